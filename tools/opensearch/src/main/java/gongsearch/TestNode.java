package gongsearch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.painless.PainlessPlugin;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

/**
 * An embedded OpenSearch node for tests, started from Maven jars alone.
 *
 * <p>Arguments are node settings as {@code key=value} (at least {@code path.home}). The node
 * runs until the process gets SIGTERM; a shutdown hook closes it so its data directory is left
 * consistent. Bootstrap (security manager, jar hell, bootstrap checks) is not run: an embedded
 * node never goes through it.
 */
public final class TestNode extends Node {
  private static final List<Class<? extends Plugin>> PLUGINS =
      List.of(Netty4Plugin.class, CommonAnalysisPlugin.class, PainlessPlugin.class);

  private TestNode(Environment env, Collection<Class<? extends Plugin>> plugins) {
    // The protected constructor is the only way to hand classpath plugins to a node.
    super(env, plugins, false);
  }

  public static void main(String[] args) throws Exception {
    Settings.Builder builder = Settings.builder();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("expected key=value, got: " + arg);
      }
      builder.put(arg.substring(0, eq), arg.substring(eq + 1));
    }
    Settings settings = builder.build();
    String nodeName = settings.get("node.name", "test-node");
    Path config = Path.of(settings.get("path.home")).resolve("config");
    Files.createDirectories(config);
    // warnings and errors to stdout (the test harness keeps it as node.log)
    Files.writeString(
        config.resolve("log4j2.properties"),
        String.join(
            "\n",
            "status = error",
            "appender.console.type = Console",
            "appender.console.name = console",
            "appender.console.layout.type = PatternLayout",
            "appender.console.layout.pattern = [%d{ISO8601}][%-5p][%-25c{1.}] [%node_name] %m%n",
            "rootLogger.level = warn",
            "rootLogger.appenderRef.console.ref = console",
            "logger.node.name = org.opensearch.node.Node",
            "logger.node.level = info",
            ""));
    LogConfigurator.registerErrorListener();
    Environment env =
        InternalSettingsPreparer.prepareEnvironment(
            settings, Collections.emptyMap(), config, () -> nodeName);
    LogConfigurator.setNodeName(nodeName);
    LogConfigurator.configure(env);
    TestNode node = new TestNode(env, PLUGINS);
    CountDownLatch closed = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    node.close();
                  } catch (Exception e) {
                    e.printStackTrace();
                  } finally {
                    closed.countDown();
                  }
                }));
    node.start();
    System.out.println("started " + nodeName);
    System.out.flush();
    closed.await();
  }
}

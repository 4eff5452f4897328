"""The catalog's boundary: SQLite failures on read are one typed error, not a traceback."""

from __future__ import annotations

import pytest

from gong_search.catalog import Catalog
from gong_search.errors import CatalogError


def test_a_damaged_table_is_a_catalog_error_naming_the_catalog() -> None:
    with Catalog(None) as catalog:
        catalog.db.execute("DROP TABLE calls")
        with pytest.raises(CatalogError, match=r":memory:: cannot read the catalog \(no such"):
            catalog.call("c1")
        with pytest.raises(CatalogError):
            catalog.counts()

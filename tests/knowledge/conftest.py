from datetime import date

import pytest

from knowledge import load_knowledge

IN_WINDOW = date(2025, 6, 1)


@pytest.fixture(scope="session")
def kb():
    return load_knowledge()

from __future__ import annotations

import pytest
from dateutil.relativedelta import relativedelta

from feedback.personal_data import FEEDBACK_5_YEARS
from notice.models import NoticeSection, NoticeVersion
from notice.seed import import_seed


@pytest.fixture(autouse=True)
def seed_notice(request):
    """Version 1, as the data migration leaves it: a test that flushes the database (a live
    server's, say) earlier in the run takes migration data with it."""
    names = request.fixturenames
    if "transactional_db" in names or "live_server" in names:
        request.getfixturevalue("transactional_db")
    elif "db" in names:
        request.getfixturevalue("db")
    else:
        return
    import_seed(NoticeVersion, NoticeSection)


@pytest.fixture
def feedback_kept(request):
    """Change the feedback policy's period for one test: policies are frozen declarations in
    code, so the test sets it behind the dataclass's back and puts it back afterwards."""
    original = FEEDBACK_5_YEARS.period

    def set_years(years: int) -> None:
        object.__setattr__(FEEDBACK_5_YEARS, "period", relativedelta(years=years))

    yield set_years
    object.__setattr__(FEEDBACK_5_YEARS, "period", original)

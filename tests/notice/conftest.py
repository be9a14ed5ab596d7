from __future__ import annotations

import pytest
from dateutil.relativedelta import relativedelta

from feedback.personal_data import FEEDBACK_5_YEARS


@pytest.fixture
def feedback_kept(request):
    """Change the feedback policy's period for one test: policies are frozen declarations in
    code, so the test sets it behind the dataclass's back and puts it back afterwards."""
    original = FEEDBACK_5_YEARS.period

    def set_years(years: int) -> None:
        object.__setattr__(FEEDBACK_5_YEARS, "period", relativedelta(years=years))

    yield set_years
    object.__setattr__(FEEDBACK_5_YEARS, "period", original)

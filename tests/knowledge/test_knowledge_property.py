from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge import decide
from knowledge.models import EMPLOYER_KINDS, SECTOR_IDS, SITUATIONS, TARGET_KINDS

IN_WINDOW = date(2025, 6, 1)

profiles = st.fixed_dictionaries({}, optional={
    "age": st.integers(min_value=0, max_value=120),
    "situation": st.sampled_from(SITUATIONS),
    "cdi_amendment": st.booleans(),
    "target": st.sampled_from(["aide-soignante", "cuisinier", "DEAS", "astronaute", "RNCP37715", "maçon"]),
    "target_kind": st.sampled_from(TARGET_KINDS),
    "employer_kind": st.sampled_from(EMPLOYER_KINDS),
    "sector": st.sampled_from(SECTOR_IDS),
    "department": st.sampled_from(["75", "2A", "974", "Lyon", "13"]),
    "contract_date": st.dates(min_value=date(2023, 1, 1), max_value=date(2027, 12, 31)).map(date.isoformat),
})
dates = st.dates(min_value=date(2023, 1, 1), max_value=date(2027, 12, 31))


@settings(max_examples=300, deadline=None)
@given(profile=profiles, on=dates)
def test_verdict_consistent_with_checks(kb, profile, on):
    res = kb.assess(profile, on)
    statuses = {c.rule: c.status for c in res.checks}
    assert res.verdict == decide(res.checks, res.missing)
    non_window_fail = any(s == "fail" for r, s in statuses.items() if r != "contract_window")
    if res.verdict == "eligible":
        assert not non_window_fail and statuses["contract_window"] == "pass" and not res.missing
    if res.verdict == "not_eligible":
        assert non_window_fail
    if res.verdict == "window_closed":
        assert not non_window_fail and statuses["contract_window"] == "fail"
    if res.verdict == "incomplete":
        assert res.missing and not non_window_fail and statuses["contract_window"] == "pass"
    assert ("age" in res.missing) == ("age" not in profile)
    contract = date.fromisoformat(profile.get("contract_date", on.isoformat()))
    in_window = kb.programme.window_start <= contract <= kb.programme.window_end
    assert (statuses["contract_window"] == "pass") == in_window
    assert res.to_dict()["verdict"] == res.verdict


@settings(max_examples=100, deadline=None)
@given(age=st.integers(min_value=16, max_value=120), qualified=st.booleans(),
       on=st.dates(min_value=date(2024, 11, 1), max_value=date(2030, 1, 1)))
def test_salary_monotonic(kb, age, qualified, on):
    res = kb.minimum_salary(age, qualified, on)
    assert res.percent >= kb.minimum_salary(age, False, on).percent
    if age > 16:
        assert res.percent >= kb.minimum_salary(age - 1, qualified, on).percent
    assert res.monthly_minimum_eur <= res.smic_monthly_eur
    _ = IN_WINDOW + timedelta(days=0)

from datetime import date, timedelta

import pytest

from knowledge import ProfileError

IN_WINDOW = date(2025, 6, 1)

BASE = {"age": 30, "situation": "job_seeker", "target": "aide-soignante", "employer_kind": "private"}


def status(result, rule):
    return next(c.status for c in result.checks if c.rule == rule)


@pytest.mark.parametrize("age, expected_status, verdict", [
    (15, "fail", "not_eligible"),
    (16, "pass", "eligible"),
    (17, "pass", "eligible"),
    (0, "fail", "not_eligible"),
    (120, "pass", "eligible"),
])
def test_age_boundary(kb, age, expected_status, verdict):
    res = kb.assess({**BASE, "age": age}, IN_WINDOW)
    assert status(res, "age_min") == expected_status
    assert res.verdict == verdict


@pytest.mark.parametrize("delta_days, verdict", [(-1, "window_closed"), (0, "eligible"), (1, "eligible")])
def test_window_first_day(kb, delta_days, verdict):
    d = kb.programme.window_start + timedelta(days=delta_days)
    assert kb.assess({**BASE, "contract_date": d.isoformat()}, IN_WINDOW).verdict == verdict


@pytest.mark.parametrize("delta_days, verdict", [(-1, "eligible"), (0, "eligible"), (1, "window_closed")])
def test_window_last_day(kb, delta_days, verdict):
    d = kb.programme.window_end + timedelta(days=delta_days)
    assert kb.assess({**BASE, "contract_date": d.isoformat()}, IN_WINDOW).verdict == verdict


def test_window_uses_on_date_when_no_contract_date(kb):
    assert kb.assess(BASE, date(2026, 2, 28)).verdict == "eligible"
    assert kb.assess(BASE, date(2026, 3, 1)).verdict == "window_closed"


@pytest.mark.parametrize("employer, rule_status, verdict", [
    ("private", "pass", "eligible"),
    ("association", "pass", "eligible"),
    ("public", "fail", "not_eligible"),
    ("epic", "unknown", "eligible"),
    ("unknown", "unknown", "eligible"),
    (None, "unknown", "eligible"),
])
def test_employer_kinds(kb, employer, rule_status, verdict):
    res = kb.assess({**BASE, "employer_kind": employer}, IN_WINDOW)
    assert status(res, "employer_kind") == rule_status
    assert res.verdict == verdict
    if employer == "epic":
        assert any("EPIC" in c for c in res.conditions)


@pytest.mark.parametrize("kind, verdict", [
    ("rncp", "eligible"), ("cqp", "eligible"), ("bloc", "eligible"), ("ccn", "eligible"),
    ("other", "not_eligible"),
])
def test_target_kinds(kb, kind, verdict):
    res = kb.assess({**BASE, "target": "Agent de quai (qualification maison)", "target_kind": kind}, IN_WINDOW)
    assert res.verdict == verdict
    if kind == "ccn":
        assert any("formation théorique" in c for c in res.conditions)


def test_target_kind_from_catalogue(kb):
    res = kb.assess(BASE, IN_WINDOW)
    assert res.target.code == "RNCP35830"
    assert status(res, "target_kind") == "pass"


def test_unknown_target_without_kind_is_incomplete(kb):
    res = kb.assess({**BASE, "target": "licence de philosophie ancienne"}, IN_WINDOW)
    assert res.verdict == "incomplete"
    assert res.missing == ["target_kind"]


@pytest.mark.parametrize("amendment, rule_status, verdict, has_condition", [
    (True, "pass", "eligible", True),
    (None, "unknown", "eligible", True),
    (False, "fail", "not_eligible", False),
])
def test_cdi_avenant(kb, amendment, rule_status, verdict, has_condition):
    profile = {**BASE, "situation": "employee_cdi", "cdi_amendment": amendment}
    res = kb.assess(profile, IN_WINDOW)
    assert status(res, "cdi_amendment") == rule_status
    assert res.verdict == verdict
    assert any("avenant" in c for c in res.conditions) == has_condition


@pytest.mark.parametrize("situation", ["job_seeker", "employee_cdd", "temp_worker", "student", "self_employed",
                                       "inactive", "other"])
def test_no_status_condition(kb, situation):
    res = kb.assess({**BASE, "situation": situation}, IN_WINDOW)
    assert res.verdict == "eligible"
    assert status(res, "cdi_amendment") == "pass"


@pytest.mark.parametrize("profile, verdict, missing", [
    ({}, "incomplete", ["age", "target"]),
    ({"age": 20}, "incomplete", ["target"]),
    ({"target": "DEAS"}, "incomplete", ["age"]),
    # precedence: a non-window failure beats a closed window and missing fields
    ({"age": 15, "contract_date": "2027-01-01"}, "not_eligible", ["target"]),
    ({"employer_kind": "public", "contract_date": "2027-01-01"}, "not_eligible", ["age", "target"]),
    # a closed window beats missing fields
    ({"contract_date": "2027-01-01"}, "window_closed", ["age", "target"]),
])
def test_precedence(kb, profile, verdict, missing):
    res = kb.assess(profile, IN_WINDOW)
    assert res.verdict == verdict
    assert res.missing == missing


@pytest.mark.parametrize("profile, key", [
    ({"age": -1}, "age"), ({"age": 121}, "age"), ({"age": "19"}, "age"), ({"age": True}, "age"),
    ({"situation": "chômeur"}, "situation"), ({"employer_kind": "mairie"}, "employer_kind"),
    ({"target_kind": "diplome"}, "target_kind"), ({"sector": "spatial"}, "sector"),
    ({"contract_date": "28/02/2026"}, "contract_date"), ({"contract_date": "2026-02-30"}, "contract_date"),
    ({"cdi_amendment": "oui"}, "cdi_amendment"), ({"department": "999"}, "department"),
    ({"target": ""}, "target"), ({"nom": "Jean"}, "nom"),
])
def test_bad_input_raises(kb, profile, key):
    with pytest.raises(ProfileError) as exc:
        kb.assess(profile, IN_WINDOW)
    assert exc.value.key == key
    assert key in str(exc.value)


def test_department_resolution(kb):
    assert kb.resolve_department("2") == "02"
    assert kb.resolve_department("2a") == "2A"
    assert kb.resolve_department("Lyon") == "69"
    assert kb.resolve_department("seine saint denis") == "93"
    assert kb.assess({**BASE, "department": "Marseille"}, IN_WINDOW).verdict == "eligible"


@pytest.mark.parametrize(("said", "department"), [
    ("75011", "75"), ("01000", "01"), ("69 003", "69"), ("69003 Lyon", "69"), ("j'habite à 13001 Marseille", "13"),
    ("97110", "971"), ("97400", "974"), ("20000", "2A"), ("20200", "2B"),
    ("98000", None),  # Monaco
    ("75011 ou 92100", None),  # two places: the person is asked
    ("750111", None),
])
def test_a_postal_code_gives_its_department(kb, said, department):
    assert kb.resolve_department(said) == department


def test_to_dict_shape(kb):
    d = kb.assess(BASE, IN_WINDOW).to_dict()
    assert set(d) >= {"verdict", "checks", "conditions", "missing", "as_of"}
    assert all(set(c) == {"rule", "status", "message", "source"} for c in d["checks"])
    assert d["as_of"] == IN_WINDOW.isoformat()


@pytest.mark.parametrize("kind, on, verdict", [
    ("private", IN_WINDOW, "eligible"), ("association", IN_WINDOW, "eligible"),
    ("public", IN_WINDOW, "not_eligible"), ("epic", IN_WINDOW, "eligible"),
    ("unknown", IN_WINDOW, "incomplete"), (None, IN_WINDOW, "incomplete"),
    ("private", date(2026, 3, 1), "window_closed"),
])
def test_check_employer(kb, kind, on, verdict):
    res = kb.check_employer(kind, on=on, sector="logistique", target="RNCP39795")
    assert res.verdict == verdict
    assert res.next_steps and res.reasons
    if verdict == "eligible":
        assert any("xp.cprovae@emploi.gouv.fr" in s for s in res.next_steps)


def test_a_target_whose_rncp_registration_has_ended_is_flagged_without_blocking(kb):
    cert = next(c for c in kb.certifications.values() if c.registration_until)
    profile = {**BASE, "target": cert.code, "contract_date": IN_WINDOW.isoformat()}

    def flags(on):
        result = kb.assess(profile, on)
        return result.verdict, [c for c in result.checks if c.rule == "target_kind" and c.status == "unknown"]

    verdict, flagged = flags(cert.registration_until)
    assert verdict == "eligible" and flagged == []
    verdict, flagged = flags(cert.registration_until + timedelta(days=1))
    assert verdict == "eligible" and len(flagged) == 1  # to check, not a refusal
    assert cert.title in flagged[0].message and str(cert.registration_until.year) in flagged[0].message
    assert flagged[0].source == cert.source.url


def test_the_project_condition_is_worded_for_who_is_checked(kb):
    employer = kb.check_employer("private", on=IN_WINDOW, sector="logistique", target="RNCP39795").conditions
    candidate = kb.assess(BASE, IN_WINDOW).conditions
    assert any("5 000 parcours" in c and "déposez le vôtre" in c for c in employer)
    assert not any("vous y fait entrer" in c for c in employer)  # the candidate's wording
    assert any("5 000 parcours" in c and "vous y fait entrer" in c for c in candidate)

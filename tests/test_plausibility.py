"""The baseline district and Hangzhou 2016 look like the published figures (DEFAULTS.md, seed 002)."""

from _runs import run


def test_the_baseline_district_has_a_primary_care_share_between_48_and_58_percent():
    s = run("baseline", residents=60_000, years=3).summary()
    assert 0.48 <= s["primary_care_share"] <= 0.58


def test_the_baseline_district_has_about_six_to_seven_visits_per_resident_per_year():
    s = run("baseline", residents=60_000, years=3).summary()
    assert 5.8 <= s["visits_per_capita"] <= 7.0


def test_the_baseline_district_admits_17_to_21_percent_of_residents_a_year():
    s = run("baseline", residents=60_000, years=3).summary()
    assert 165 <= s["admissions_per_1000"] <= 215


def test_the_baseline_district_admits_about_one_in_six_patients_at_primary_level():
    s = run("baseline", residents=60_000, years=3).summary()
    assert 0.11 <= s["primary_admission_share"] <= 0.21


def test_the_baseline_district_signs_no_one_because_it_offers_no_contracts():
    s = run("baseline", residents=60_000, years=3).summary()
    assert s["signing_rate"] == 0.0


def test_hangzhou_signed_residents_use_community_care_about_15_points_more_than_unsigned():
    # the calibration target (seed 002, employee-insured: 63.36% vs 48.50%); the levels themselves
    # sit about 4 points low (docs/calibration.md)
    s = run("hangzhou_2016", residents=60_000, years=3).summary()
    assert abs(s["primary_care_share_signed"] - s["primary_care_share_unsigned"] - 0.1486) <= 0.03
    assert abs(s["primary_care_share_signed"] - 0.6467) <= 0.07


def test_hangzhou_unsigned_residents_use_community_care_for_about_48_percent_of_visits():
    s = run("hangzhou_2016", residents=60_000, years=3).summary()
    assert abs(s["primary_care_share_unsigned"] - 0.485) <= 0.05


def test_hangzhou_refers_fewer_than_15_percent_of_signed_residents_visits_upward():
    s = run("hangzhou_2016", residents=60_000, years=3).summary()
    assert 0.0 < s["signed_referral_rate"] < 0.15


def test_hangzhou_signs_more_than_30_percent_of_residents_after_three_years():
    s = run("hangzhou_2016", residents=60_000, years=3).summary()
    assert s["signing_rate"] > 0.30


def test_the_outpatient_price_elasticity_lies_near_the_published_minus_half():
    from sandbox.params import BY_PATH

    up = {k: BY_PATH[k].default * 1.1 for k in BY_PATH if k.startswith("prices.outpatient")}
    a = run("baseline", residents=60_000).summary()
    b = run("baseline", up, residents=60_000).summary()
    elasticity = (b["visits_per_capita"] / a["visits_per_capita"] - 1) / 0.1
    assert -0.60 <= elasticity <= -0.35

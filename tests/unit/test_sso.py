"""Single sign-on's mapping file and the one rule from a provider's claims to one role (domain.sso)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casereview.domain.errors import Refused
from casereview.domain.roles import ROLES
from casereview.domain.sso import (
    ACCEPTED_ALGORITHMS,
    BODY_ROLES,
    KEYS_REFETCH_INTERVAL_SECONDS,
    REFUSAL_WORDS,
    MappingError,
    RefusalReason,
    SecondFactorStep,
    SsoGrant,
    SsoRefusal,
    email_kept,
    keys_refetch_allowed,
    metadata_expired,
    parse_mapping,
    resolve,
    second_factor_step,
    subject_usable,
    usable_algorithms,
)

MAPPING = """
[[group]]
id = "g-lead"
role = "lead_inspector"

[[group]]
id = "g-lead-too"
role = "lead_inspector"

[[group]]
id = "g-ins"
role = "inspector"

[[group]]
id = "g-wmp"
role = "liaison_officer"
body = "WMP"

[[group]]
id = "g-mps"
role = "liaison_officer"
body = "MPS"

[[group]]
id = "g-audit"
role = "body_auditor"
body = "WMP"
"""


def claims(*groups: str, **more: Any) -> dict[str, Any]:
    return {"preferred_username": "ina@force.example", "groups": list(groups), **more}


def problems(text: str) -> list[str]:
    with pytest.raises(MappingError) as caught:
        parse_mapping(text)
    return caught.value.problems


def test_the_defaults_read_the_usual_claims_and_take_mfa_among_amr_values() -> None:
    mapping = parse_mapping(MAPPING)
    assert (
        mapping.username_claim,
        mapping.name_claim,
        mapping.email_claim,
        mapping.groups_claim,
    ) == ("preferred_username", "name", "email", "groups")
    assert mapping.mfa_amr == {"mfa"} and mapping.mfa_acr == frozenset()
    assert [r.group_id for r in mapping.groups] == [
        "g-lead",
        "g-lead-too",
        "g-ins",
        "g-wmp",
        "g-mps",
        "g-audit",
    ]


def test_every_key_of_the_file_is_read() -> None:
    mapping = parse_mapping(
        'username_claim = "upn"\nname_claim = "given"\nemail_claim = "mail"\ngroups_claim = "roles"\n'
        '[second_factor]\namr = ["mfa", "hwk"]\nacr = ["urn:high"]\n'
        '[[group]]\nid = "x"\nrole = "analyst"\n'
    )
    assert (mapping.username_claim, mapping.name_claim, mapping.email_claim) == (
        "upn",
        "given",
        "mail",
    )
    assert mapping.groups_claim == "roles"
    assert mapping.mfa_amr == {"mfa", "hwk"} and mapping.mfa_acr == {"urn:high"}
    grant = resolve(
        mapping,
        {
            "upn": "ana",
            "roles": ["x"],
            "given": "Ana",
            "mail": "a@x.example",
            "email_verified": True,
        },
    )
    assert grant == SsoGrant(
        username="ana",
        name="Ana",
        email="a@x.example",
        role="analyst",
        body_code=None,
        provider_mfa=False,
    )


def test_a_file_with_many_problems_lists_every_one_at_once() -> None:
    found = problems(
        'colour = "blue"\ngroups_claim = ""\n[second_factor]\namr = "mfa"\nlevel = 2\n'
        '[[group]]\nid = "a"\nrole = "chief"\n'
        '[[group]]\nid = "b"\nrole = "liaison_officer"\n'
        '[[group]]\nid = "c"\nrole = "inspector"\nbody = "WMP"\n'
        '[[group]]\nrole = "analyst"\nteam = "x"\n'
        '[[group]]\nid = "d"\nrole = "analyst"\n'
        '[[group]]\nid = "d"\nrole = "inspector"\n'
    )
    text = "\n".join(found)
    assert "unknown key 'colour'" in text
    assert "groups_claim must be the name of a claim" in text
    assert "[second_factor] amr must be a list" in text
    assert "[second_factor] has an unknown key 'level'" in text
    assert "role 'chief', which is not a casereview role" in text
    assert "number 2 gives role liaison_officer, which needs the body's code" in text
    assert "number 3 gives role inspector, which serves no one body" in text
    assert "number 4 needs an id" in text and "unknown key 'team'" in text
    assert "group 'd' is mapped more than once" in text
    assert len(found) == 10


def test_a_mapping_error_is_a_refusal_whose_message_names_the_problems() -> None:
    with pytest.raises(Refused, match="not valid TOML"):
        parse_mapping("[[group]\n")


def test_a_file_without_groups_is_refused() -> None:
    assert problems('username_claim = "upn"\n') == [
        "there is no [[group]]: nobody could be given a role"
    ]


@pytest.mark.parametrize("role", sorted(BODY_ROLES))
def test_roles_that_serve_a_body_need_its_code(role: str) -> None:
    assert "needs the body's code" in problems(f'[[group]]\nid = "a"\nrole = "{role}"\n')[0]
    assert (
        "needs the body's code"
        in problems(f'[[group]]\nid = "a"\nrole = "{role}"\nbody = " "\n')[0]
    )


def test_each_role_comes_from_its_group_with_its_body() -> None:
    mapping = parse_mapping(MAPPING)
    wanted = {
        "g-lead": ("lead_inspector", None),
        "g-ins": ("inspector", None),
        "g-wmp": ("liaison_officer", "WMP"),
        "g-audit": ("body_auditor", "WMP"),
    }
    for group, (role, body) in wanted.items():
        grant = resolve(mapping, claims(group, "unrelated"))
        assert isinstance(grant, SsoGrant)
        assert (grant.role, grant.body_code) == (role, body)


def test_two_groups_that_give_the_same_role_give_it_once() -> None:
    grant = resolve(parse_mapping(MAPPING), claims("g-lead", "g-lead-too"))
    assert isinstance(grant, SsoGrant) and grant.role == "lead_inspector"


def test_no_mapped_group_is_refused_as_unmapped() -> None:
    for groups in ([], ["elsewhere"]):
        refused = resolve(parse_mapping(MAPPING), claims(*groups))
        assert refused == SsoRefusal(
            reason="unmapped", words=REFUSAL_WORDS[RefusalReason.UNMAPPED][0]
        )
    assert resolve(parse_mapping(MAPPING), {"preferred_username": "ina"}).reason == "unmapped"  # type: ignore[union-attr]


def test_groups_giving_two_roles_or_one_role_for_two_bodies_are_refused_naming_the_groups() -> None:
    mapping = parse_mapping(MAPPING)
    two_roles = resolve(mapping, claims("g-ins", "g-lead", "other"))
    assert isinstance(two_roles, SsoRefusal)
    assert (two_roles.reason, two_roles.groups) == ("several_roles", ("g-ins", "g-lead"))
    two_bodies = resolve(mapping, claims("g-wmp", "g-mps"))
    assert isinstance(two_bodies, SsoRefusal) and two_bodies.reason == "several_roles"


def test_a_missing_or_unusable_username_is_refused() -> None:
    mapping = parse_mapping(MAPPING)
    for username in (None, "", "has space", "x" * 151, 42, ["ina"]):
        found = resolve(mapping, {"groups": ["g-ins"], "preferred_username": username})
        assert isinstance(found, SsoRefusal) and found.reason == "no_username", username


def test_mfa_is_asserted_by_an_amr_value_or_an_acr_the_mapping_names() -> None:
    mapping = parse_mapping('[second_factor]\nacr = ["urn:high"]\n' + MAPPING)
    asserted = {
        (("pwd", "mfa"), None): True,
        ("mfa", None): True,  # a lone string is read as a list of one
        (("pwd",), None): False,
        ((), "urn:high"): True,
        ((), "urn:low"): False,
        (("otp",), None): False,
    }
    for (amr, acr), expected in asserted.items():
        token = claims("g-ins", amr=list(amr) if isinstance(amr, tuple) else amr)
        if acr is not None:
            token["acr"] = acr
        grant = resolve(mapping, token)
        assert isinstance(grant, SsoGrant) and grant.provider_mfa is expected, (amr, acr)


def test_with_no_amr_values_only_acr_counts() -> None:
    mapping = parse_mapping("[second_factor]\namr = []\n" + MAPPING)
    grant = resolve(mapping, claims("g-ins", amr=["mfa"]))
    assert isinstance(grant, SsoGrant) and grant.provider_mfa is False


def test_every_refusal_reason_has_words_and_something_to_do() -> None:
    assert set(REFUSAL_WORDS) == set(RefusalReason)
    assert all(words and todo for words, todo in REFUSAL_WORDS.values())


GROUP_IDS = ["a", "b", "c", "d", "e"]


@st.composite
def mappings_and_groups(
    draw: st.DrawFn,
) -> tuple[str, list[tuple[str, str, str | None]], list[str]]:
    """A mapping of some of GROUP_IDS to random roles (with a body where needed), and a person's groups."""
    mapped = draw(st.lists(st.sampled_from(GROUP_IDS), min_size=1, unique=True))
    rules: list[tuple[str, str, str | None]] = []
    for group in mapped:
        role = draw(st.sampled_from(ROLES))
        body = draw(st.sampled_from(["WMP", "MPS"])) if role in BODY_ROLES else None
        rules.append((group, role, body))
    text = "".join(
        f'[[group]]\nid = "{g}"\nrole = "{r}"\n' + (f'body = "{b}"\n' if b else "")
        for g, r, b in rules
    )
    person = draw(st.lists(st.sampled_from([*GROUP_IDS, "x", "y"]), max_size=7))
    return text, rules, person


@given(mappings_and_groups())
def test_any_set_of_groups_gives_exactly_one_grant_or_one_refusal(
    case: tuple[str, list[tuple[str, str, str | None]], list[str]],
) -> None:
    text, rules, person = case
    found = resolve(parse_mapping(text), claims(*person))
    given_by = {(r, b) for g, r, b in rules if g in person}
    if len(given_by) == 1:
        assert isinstance(found, SsoGrant)
        assert {(found.role, found.body_code)} == given_by
    else:
        assert isinstance(found, SsoRefusal)
        assert found.reason == ("unmapped" if not given_by else "several_roles")
        assert found.words == REFUSAL_WORDS[found.reason][0]


def test_a_username_in_another_script_is_refused_as_a_possible_lookalike() -> None:
    mapping = parse_mapping(MAPPING)
    refused = resolve(mapping, {"groups": ["g-ins"], "preferred_username": "\u0430dmin"})
    assert isinstance(refused, SsoRefusal) and refused.reason == RefusalReason.NO_USERNAME
    assert isinstance(
        resolve(mapping, {"groups": ["g-ins"], "preferred_username": "admin"}), SsoGrant
    )


@pytest.mark.parametrize(
    ("mfa", "authenticator", "vouched_before", "step"),
    [
        (True, False, False, SecondFactorStep.PROVIDER),
        (True, True, True, SecondFactorStep.PROVIDER),
        (False, True, True, SecondFactorStep.VERIFY),
        (False, True, False, SecondFactorStep.VERIFY),
        (
            False,
            False,
            False,
            SecondFactorStep.ENROL,
        ),  # new, or never had a second factor, or reset
        (
            False,
            False,
            True,
            SecondFactorStep.REFUSE,
        ),  # had the provider's MFA: no enrolling on a password
    ],
)
def test_without_the_providers_mfa_only_someone_who_never_had_a_second_factor_may_set_one_up(
    mfa: bool, authenticator: bool, vouched_before: bool, step: SecondFactorStep
) -> None:
    assert (
        second_factor_step(
            provider_mfa=mfa,
            has_authenticator=authenticator,
            provider_vouched_before=vouched_before,
        )
        == step
    )


def test_token_algorithms_are_those_listed_that_casereview_accepts_never_none_nor_hmac() -> None:
    assert usable_algorithms(["none", "HS256", "HS512", "ES256", "RS256"]) == ["RS256", "ES256"]
    assert usable_algorithms(["none", "HS256"]) == []
    assert usable_algorithms(None) == list(
        ACCEPTED_ALGORITHMS
    )  # unlisted: never the library's default
    assert usable_algorithms("RS256") == list(ACCEPTED_ALGORITHMS)
    assert not {"none", "HS256", "HS384", "HS512"} & set(ACCEPTED_ALGORITHMS)


@pytest.mark.parametrize(
    ("subject", "usable"),
    [
        ("", False),
        ("a" * 255, True),
        ("a" * 256, False),
        (None, False),
        (42, False),
        ("248289761001", True),
    ],
)
def test_a_subject_is_a_non_empty_string_of_at_most_255_characters(
    subject: Any, usable: bool
) -> None:
    assert subject_usable(subject) is usable


@pytest.mark.parametrize(
    ("verified", "kept"),
    [(True, "ina@force.example"), (False, ""), (None, ""), ("true", ""), (1, "")],
)
def test_the_email_is_kept_only_when_the_provider_says_it_verified_it(
    verified: Any, kept: str
) -> None:
    mapping = parse_mapping(MAPPING)
    assert mapping.trust_email is False
    more = {} if verified is None else {"email_verified": verified}
    grant = resolve(mapping, claims("g-ins", email="ina@force.example", **more))
    assert isinstance(grant, SsoGrant) and grant.email == kept
    assert email_kept(mapping, claims("g-ins", email="ina@force.example", **more)) == kept


def test_a_mapping_that_trusts_the_providers_email_keeps_it_unverified() -> None:
    mapping = parse_mapping("trust_email = true\n" + MAPPING)
    assert mapping.trust_email is True
    grant = resolve(mapping, claims("g-ins", email="ina@force.example", email_verified=False))
    assert isinstance(grant, SsoGrant) and grant.email == "ina@force.example"


def test_trust_email_must_be_true_or_false() -> None:
    with pytest.raises(MappingError, match="trust_email must be true or false"):
        parse_mapping('trust_email = "yes"\n' + MAPPING)


@pytest.mark.parametrize(
    ("loaded_at", "now", "expired"),
    [
        (None, 5000.0, True),  # never loaded
        (1000.0, 1000.0, False),
        (1000.0, 4599.0, False),  # 3599 s old
        (1000.0, 4600.0, True),  # 3600 s old: fetched again
        (1000.0, 999.0, True),  # the clock went back
    ],
)
def test_the_providers_document_and_keys_expire_after_their_maximum_age(
    loaded_at: float | None, now: float, expired: bool
) -> None:
    assert metadata_expired(loaded_at=loaded_at, now=now, max_age=3600.0) is expired


def test_keys_are_fetched_again_for_an_unknown_kid_at_most_once_a_minute() -> None:
    assert keys_refetch_allowed(last_refetch=None, now=100.0)
    assert not keys_refetch_allowed(last_refetch=100.0, now=100.0)
    assert not keys_refetch_allowed(
        last_refetch=100.0, now=100.0 + KEYS_REFETCH_INTERVAL_SECONDS - 1
    )
    assert keys_refetch_allowed(last_refetch=100.0, now=100.0 + KEYS_REFETCH_INTERVAL_SECONDS)
    assert keys_refetch_allowed(last_refetch=100.0, now=50.0)  # the clock went back

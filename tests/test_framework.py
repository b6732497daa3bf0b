"""The strategy framework: the packaged PICUM 2021–2025 file, validation errors, the tree.

The PICUM file encodes the strategic plan in ``../shared/seeds``; where the seed is present
it is checked against it: every bullet of the plan maps to the node at the same position,
and no description copies the plan's sentences.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rich.console import Console

from evidencia import framework as fw
from tests.conftest import STRATEGY
from tests.conftest import TINY_FRAMEWORK as TINY

THEMES = [
    "children",
    "labour",
    "health",
    "regularisation",
    "detention_return",
    "justice",
    "policing_surveillance",
    "civic_space",
]

# (area, theme, objective, outcomes) in the plan's order.
TREE = [
    ("area.inclusion", "children", "children.services", 5),
    ("area.inclusion", "labour", "labour.pay_conditions", 5),
    ("area.inclusion", "labour", "labour.solidarity", 3),
    ("area.inclusion", "health", "health.access", 4),
    ("area.inclusion", "health", "health.equity", 5),
    ("area.migration_policies", "children", "children.procedures", 8),
    ("area.migration_policies", "children", "children.adulthood", 6),
    ("area.migration_policies", "labour", "labour.pathways", 6),
    ("area.migration_policies", "regularisation", "regularisation.recognition", 6),
    ("area.migration_policies", "detention_return", "detention_return.liberty", 6),
    ("area.migration_policies", "detention_return", "detention_return.case_resolution", 4),
    ("area.justice", "justice", "justice.remedies", 7),
    ("area.justice", "policing_surveillance", "policing_surveillance.awareness", 5),
    ("area.justice", "civic_space", "civic_space.enabling_environment", 5),
]

PRIORITIES = [
    "priority.self_representation",
    "priority.participation",
    "priority.civil_society_funding",
    "priority.positive_narrative",
    "priority.visual_identity",
    "priority.member_engagement",
    "priority.intersectional_feminism",
    "priority.criminalisation",
]


@pytest.fixture(scope="module")
def picum() -> fw.Framework:
    return fw.default()


def _render(framework: fw.Framework, **options: bool) -> str:
    console = Console(record=True, width=200, color_system="truecolor")
    console.print(fw.tree(framework, **options))
    return console.export_text()


# ------------------------------------------------------------------ the packaged framework


def test_default_loads(picum: fw.Framework) -> None:
    assert picum.id == "picum-2021-2025"
    assert "2021" in picum.title and picum.source and picum.goal
    assert picum.vision and picum.mission
    assert fw.counts(picum) == {
        "themes": 8,
        "priorities": 8,
        "areas": 3,
        "objectives": 14,
        "outcomes": 75,
    }


def test_fourteen_objectives_and_seventy_five_outcomes(picum: fw.Framework) -> None:
    assert len(list(picum.objectives())) == 14
    assert len(list(picum.outcomes())) == 75


def test_theme_ids_are_exact(picum: fw.Framework) -> None:
    assert [t.id for t in picum.themes] == THEMES


def test_priorities_in_document_order(picum: fw.Framework) -> None:
    assert [p.id for p in picum.priorities] == PRIORITIES


def test_ids_unique_and_well_formed(picum: fw.Framework) -> None:
    ids = [node_id for node_id, _kind, _node in picum.walk()]
    assert len(ids) == len(set(ids)) == 8 + 8 + 3 + 14 + 75
    assert all(re.fullmatch(fw.NODE_ID, node_id) for node_id in ids)


def test_tree_matches_the_document(picum: fw.Framework) -> None:
    assert [a.id for a in picum.areas] == [
        "area.inclusion",
        "area.migration_policies",
        "area.justice",
    ]
    found = [(a.id, theme, o.id, len(o.outcomes)) for a, theme, o in picum.objectives()]
    assert found == TREE
    assert sum(n for *_, n in TREE) == 75


def test_outcome_ids_follow_their_objective(picum: fw.Framework) -> None:
    for _area, theme, objective in picum.objectives():
        assert objective.id.startswith(f"{theme}.")
        expected = [f"{objective.id}.o{n}" for n in range(1, len(objective.outcomes) + 1)]
        assert [o.id for o in objective.outcomes] == expected


def test_every_node_is_described(picum: fw.Framework) -> None:
    for node_id, kind, node in picum.walk():
        assert node.description.strip(), node_id
        if kind == "outcome":
            sentence = node.description.replace("e.g.", "eg")
            assert sentence.endswith(".") and ". " not in sentence, node_id
        if kind in ("outcome", "objective", "priority"):
            assert len(node.title.split()) <= 12, node_id


def test_theme_keywords_are_multilingual(picum: fw.Framework) -> None:
    greek = re.compile("[\u0370-\u03ff]")
    for theme in picum.themes:
        assert 10 <= len(theme.keywords) <= 25, theme.id
        assert len(set(theme.keywords)) == len(theme.keywords), theme.id
        assert any(greek.search(k) for k in theme.keywords), theme.id


def test_specifics_a_tagger_needs_are_kept(picum: fw.Framework) -> None:
    text = {o.id: f"{o.title} {o.description}" for _t, _obj, o in picum.outcomes()}
    assert "Child Guarantee national action plans" in text["children.services.o4"]
    assert "three key countries" in text["labour.pay_conditions.o4"]
    assert "Single Permit Directive" in text["labour.pathways.o3"]
    assert "Talent Partnerships" in text["labour.pathways.o4"]
    assert "Frontex" in text["detention_return.case_resolution.o4"]
    assert "two national or local contexts" in text["justice.remedies.o3"]
    assert "firewalls" in text["justice.remedies.o1"]
    assert "Return Directive" in text["children.procedures.o3"]


# ------------------------------------------------------------------ against the plan itself

needs_strategy = pytest.mark.skipif(
    not STRATEGY.is_file(), reason=f"the strategic plan is not at {STRATEGY}"
)
STOP = frozenset(
    re.findall(
        r"\w+",
        "the and of to for in on a an at by with as or their its is are be from that this "
        "more which including",
    )
)


def _stems(text: str) -> set[str]:
    return {w[:6] for w in re.findall(r"[a-z]+", text.lower()) if w not in STOP and len(w) > 2}


@pytest.mark.seeds
@needs_strategy
def test_every_bullet_of_the_plan_maps_to_its_node(picum: fw.Framework) -> None:
    """The plan's bullets are the 8 priorities then the 75 outcomes, in order: the node at
    each position must be the closest (by shared words) to the bullet at that position."""
    bullets = [
        line[2:] for line in STRATEGY.read_text(encoding="utf-8").splitlines() if line[:2] == "- "
    ]
    nodes = [*picum.priorities, *(o for _t, _obj, o in picum.outcomes())]
    assert len(bullets) == len(nodes) == 83
    bullet_stems = [_stems(b) for b in bullets]
    for position, node in enumerate(nodes):
        mine = _stems(f"{node.title} {node.description}")
        scores = [len(mine & b) / len(mine | b) for b in bullet_stems]
        closest = max(range(len(bullets)), key=scores.__getitem__)
        assert closest == position, f"{node.id} reads like bullet {closest}: {bullets[closest]}"


@pytest.mark.seeds
@needs_strategy
def test_wording_is_our_own(picum: fw.Framework) -> None:
    """No title or description repeats eight words running from the plan."""
    n = 8
    words = re.findall(r"[a-z0-9']+", STRATEGY.read_text(encoding="utf-8").lower())
    plan = {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}
    texts = [picum.goal, picum.vision, picum.mission]
    texts += [f"{node.title}\n{node.description}" for _id, _kind, node in picum.walk()]
    for text in texts:
        for line in text.split("\n"):
            mine = re.findall(r"[a-z0-9']+", line.lower())
            copied = [mine[i : i + n] for i in range(len(mine) - n + 1)]
            assert not [c for c in copied if tuple(c) in plan], line


# ------------------------------------------------------------------ broken files


def _write(tmp_path: Path, text: str, name: str = "plan.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("id: x\ntitle: [unclosed\n", ":3:1: not valid YAML"),
        ("", "empty file"),
        ("- just\n- a list\n", "expected a mapping"),
        (TINY.replace("goal: People are safe whatever their papers.\n", ""), "goal: Field"),
        (
            TINY.replace("            title: Every child enrolled\n", ""),
            "areas[area.shelter].themes[schools].objectives[schools.enrolment].title: "
            "Field required",
        ),
        (TINY.replace("- theme: schools", "- theme: school"), "unknown theme 'school'"),
        (
            TINY.replace("housing.shelters.o2", "housing.shelters.o1"),
            "duplicate id 'housing.shelters.o1'",
        ),
        (TINY.replace("id: schools.enrolment\n", "id: housing.shelters\n"), "duplicate id"),
        (TINY.replace("- theme: schools", "- theme: housing"), "lists theme 'housing' twice"),
        (TINY.replace("id: housing.shelters\n", "id: Housing Shelters\n"), "should match"),
        (TINY.replace("title: Shelter\n", "title: Shelter\n    colour: red\n"), "colour"),
        (TINY.replace("              - {id: schools.enrolment.o1", "#"), "outcomes"),
    ],
    ids=[
        "bad-yaml",
        "empty",
        "not-a-mapping",
        "missing-goal",
        "missing-nested-title",
        "unknown-theme",
        "duplicate-outcome",
        "duplicate-objective",
        "theme-twice-in-area",
        "bad-id",
        "unknown-field",
        "objective-without-outcomes",
    ],
)
def test_broken_file_names_file_and_problem(tmp_path: Path, text: str, problem: str) -> None:
    path = _write(tmp_path, text, "broken-plan.yaml")
    with pytest.raises(fw.FrameworkError) as caught:
        fw.load_file(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:")
    assert problem in message


def test_unreadable_file(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    with pytest.raises(fw.FrameworkError, match=r"nowhere\.yaml: cannot read"):
        fw.load_file(missing)
    latin = tmp_path / "latin1.yaml"
    latin.write_bytes("title: Réseau\n".encode("latin-1"))
    with pytest.raises(fw.FrameworkError, match=r"latin1\.yaml: cannot read"):
        fw.load_file(latin)


def test_parse_names_its_source() -> None:
    with pytest.raises(fw.FrameworkError, match=r"^pasted text: "):
        fw.parse("id: x\n", "pasted text")


# ------------------------------------------------------------------ the tree


def test_tree_shows_every_node(picum: fw.Framework) -> None:
    text = _render(picum)
    for node_id, _kind, _node in picum.walk():
        assert node_id in text, node_id
    for _t, _obj, outcome in picum.outcomes():
        assert outcome.id in text and outcome.title in text
    assert picum.goal in text
    assert text.index("area.inclusion") < text.index("area.migration_policies")
    assert text.index("area.migration_policies") < text.index("area.justice")
    assert text.index("children.services.o5") < text.index("labour.pay_conditions.o1")


def test_tree_is_coloured(picum: fw.Framework) -> None:
    console = Console(record=True, width=200, color_system="truecolor", force_terminal=True)
    console.print(fw.tree(picum))
    assert "\x1b[" in console.export_text(styles=True)


def test_tree_with_descriptions(picum: fw.Framework) -> None:
    outcome = next(o for _t, _obj, o in picum.outcomes())
    start = " ".join(outcome.description.split()[:8])
    assert start not in " ".join(_render(picum).split())
    assert start in " ".join(_render(picum, descriptions=True).split())


# ------------------------------------------------------------------ another network


def test_another_network_loads(tmp_path: Path) -> None:
    tiny = fw.load_file(_write(tmp_path, TINY))
    assert tiny.id == "tiny-network"
    assert fw.counts(tiny) == {
        "themes": 2,
        "priorities": 0,
        "areas": 1,
        "objectives": 2,
        "outcomes": 3,
    }
    assert [(theme, o.id) for theme, _obj, o in tiny.outcomes()] == [
        ("housing", "housing.shelters.o1"),
        ("housing", "housing.shelters.o2"),
        ("schools", "schools.enrolment.o1"),
    ]
    text = _render(tiny)
    for node_id, _kind, _node in tiny.walk():
        assert node_id in text
    assert "PICUM" not in text and "priorit" not in text.lower()

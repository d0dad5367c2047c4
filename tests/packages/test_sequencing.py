"""The activity tree the player's sequencing engine gets: imsss/adlseq/adlnav from real
manifests (the golf sequencing packages, the ADL conformance corpus) into scorm-again settings."""

import zipfile

import pytest

from scorm_api.packages.manifest import parse_manifest
from scorm_api.packages.sequencing import activity_tree, runtime_settings, sequencing_settings

from tests.support import fixture

IMSSS = 'xmlns:imsss="http://www.imsglobal.org/xsd/imsss"'
ADLSEQ = 'xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3"'


def metadata(data: bytes) -> dict:
    m = parse_manifest(data).to_metadata()
    m["resources"] = list(m["resources"].values())  # as the package row stores them
    return m


def tree_of(name: str) -> dict:
    with zipfile.ZipFile(fixture(name)) as z:
        return runtime_settings(metadata(z.read("imsmanifest.xml")))["activityTree"]


def node(tree: dict, node_id: str) -> dict:
    if tree["id"] == node_id:
        return tree
    for c in tree.get("children", []):
        found = node(c, node_id)
        if found:
            return found
    return None


def test_forced_sequential_rules_objectives_and_collection():
    tree = tree_of("golf_scorm2004_3ed_seq_forced_sequential.zip")
    assert tree["id"] == "golf_sample_default_org" and tree["launchable"] is False
    assert [c["id"] for c in tree["children"]] == [
        "playing_item",
        "etuqiette_item",
        "handicapping_item",
        "havingfun_item",
        "assessment_item",
    ]
    assert tree["sequencingControls"] == {"choice": True, "flow": True}
    etiquette = node(tree, "etuqiette_item")
    assert etiquette["sequencingRules"]["preConditionRules"] == [
        {
            "action": "disabled",
            "conditionCombination": "any",
            "conditions": [
                {
                    "condition": "satisfied",
                    "operator": "not",
                    "referencedObjective": "previous_sco_satisfied",
                },
                {
                    "condition": "objectiveStatusKnown",
                    "operator": "not",
                    "referencedObjective": "previous_sco_satisfied",
                },
            ],
        }
    ]
    assert etiquette["primaryObjective"]["mapInfo"] == [
        {
            "targetObjectiveID": "com.scorm.golfsamples.sequencing.forcedsequential.etiquette_satisfied",
            "readSatisfiedStatus": True,
            "writeSatisfiedStatus": True,
        }
    ]
    assert etiquette["objectives"][0]["objectiveID"] == "previous_sco_satisfied"
    # The item's IDRef pulls in the shared collection: delivery controls and rollup weight.
    assert etiquette["deliveryControls"] == {"completionSetByContent": True, "objectiveSetByContent": True}
    assert etiquette["sequencingControls"]["objectiveMeasureWeight"] == 0
    assert "sequencingCollectionRefs" not in etiquette


def test_random_test_limits_randomization_rollup_and_hidden_items():
    tree = tree_of("golf_scorm2004_3ed_seq_random_test.zip")
    wrapper, posttest = tree["children"]
    assert wrapper["isVisible"] is False and wrapper["launchable"] is False
    assert wrapper["sequencingControls"]["rollupObjectiveSatisfied"] is False
    assert wrapper["rollupRules"]["rules"] == [
        {"action": "satisfied", "consideration": "all", "conditions": [{"condition": "completed"}]}
    ]
    assert posttest["attemptLimit"] == 2
    assert posttest["sequencingControls"]["randomizationTiming"] == "onEachNewAttempt"
    assert posttest["sequencingControls"]["reorderChildren"] is True
    assert [r["action"] for r in posttest["sequencingRules"]["postConditionRules"]] == [
        "retry",
        "retry",
        "exitAll",
    ]
    test1 = node(tree, "test_1")
    assert test1["isVisible"] is False and test1["hideLmsUi"] == ["suspendAll"]
    assert test1["sequencingRules"]["postConditionRules"][0]["action"] == "exitParent"
    assert test1["primaryObjective"]["mapInfo"][0]["writeNormalizedMeasure"] is True


def test_fourth_edition_completion_threshold_and_adlseq_map_info():
    xml = f"""<imsss:sequencing {IMSSS} {ADLSEQ}>
      <imsss:rollupRules><imsss:rollupRule childActivitySet="atLeastPercent" minimumPercent="0.75">
        <imsss:rollupConditions><imsss:rollupCondition condition="completed"/></imsss:rollupConditions>
        <imsss:rollupAction action="completed"/></imsss:rollupRule></imsss:rollupRules>
      <imsss:objectives><imsss:primaryObjective objectiveID="p" satisfiedByMeasure="true">
        <imsss:minNormalizedMeasure>0.6</imsss:minNormalizedMeasure>
        <imsss:mapInfo targetObjectiveID="g1" readSatisfiedStatus="false"/></imsss:primaryObjective>
      </imsss:objectives>
      <adlseq:objectives><adlseq:objective objectiveID="p">
        <adlseq:mapInfo targetObjectiveID="g1" writeCompletionStatus="true" readRawScore="false"/>
      </adlseq:objective></adlseq:objectives>
      <imsss:sequencingRules><imsss:exitConditionRule>
        <imsss:ruleConditions><imsss:ruleCondition condition="objectiveMeasureGreaterThan" measureThreshold="0.5"/></imsss:ruleConditions>
        <imsss:ruleAction action="exit"/></imsss:exitConditionRule></imsss:sequencingRules>
      <adlseq:rollupConsiderations requiredForSatisfied="ifAttempted" measureSatisfactionIfActive="false"/>
      <adlseq:constrainedChoiceConsiderations constrainChoice="true"/>
    </imsss:sequencing>"""
    s = sequencing_settings(xml)
    rule = s["rollupRules"]["rules"][0]
    assert rule["consideration"] == "atLeastPercent" and rule["minimumPercent"] == 75  # 0..100
    assert s["primaryObjective"]["satisfiedByMeasure"] is True
    assert s["primaryObjective"]["minNormalizedMeasure"] == 0.6
    assert s["primaryObjective"]["mapInfo"] == [
        {
            "targetObjectiveID": "g1",
            "readSatisfiedStatus": False,
            "writeCompletionStatus": True,
            "readRawScore": False,
        }
    ]
    exit_rule = s["sequencingRules"]["exitConditionRules"][0]
    assert exit_rule["conditions"][0]["parameters"] == {"threshold": 0.5}
    assert s["rollupConsiderations"] == {
        "requiredForSatisfied": "ifAttempted",
        "measureSatisfactionIfActive": False,
    }
    assert s["sequencingControls"] == {"constrainChoice": True}


def test_every_adl_conformance_manifest_converts():
    with zipfile.ZipFile(fixture("adl_cts_2004_4ed_lms_test_corpus.zip")) as z:
        names = [n for n in z.namelist() if n.endswith("imsmanifest.xml")]
        assert len(names) >= 188
        leaves = 0
        for name in names:
            tree = runtime_settings(metadata(z.read(name)))["activityTree"]
            stack = [tree]
            while stack:
                n = stack.pop()
                assert n["id"] and "sequencingCollectionRefs" not in n, name
                leaves += n["launchable"]
                stack.extend(n.get("children", []))
    assert leaves > 500


@pytest.mark.parametrize(
    "name", ["golf_scorm12_multisco_runtime_min.zip", "scorm12_debugger_nested_prereq.zip"]
)
def test_scorm12_contents_have_no_rules(name):
    with zipfile.ZipFile(fixture(name)) as z:
        tree = activity_tree(metadata(z.read("imsmanifest.xml")), with_rules=False)
    stack, keys = [tree], set()
    while stack:
        n = stack.pop()
        keys |= set(n)
        stack.extend(n.get("children", []))
    assert keys <= {"id", "title", "launchable", "children", "isVisible"}

"""The activity tree the player's runtime sequences: the default organization's items with their
IMS Simple Sequencing (imsss, adlseq, adlnav) rules, as scorm-again's `sequencing` settings.

The runtime does not read manifests; the manifest keeps each item's raw <imsss:sequencing> XML
(and the reusable <imsss:sequencingCollection>), and this module turns it into the runtime's
settings shape. Defaults are left to the runtime (SCORM 2004 SN defaults) by omitting what the
manifest does not say. The same tree, without rules, is the table of contents of a SCORM 1.2
package.
"""

from __future__ import annotations

from lxml import etree

from scorm_api.packages.xmlutil import attr, child, children, number, parse_xml

# Attribute name -> settings key, where they differ only by being booleans in the XML.
_CONTROL_MODE = (
    "choice",
    "choiceExit",
    "flow",
    "forwardOnly",
    "useCurrentAttemptObjectiveInfo",
    "useCurrentAttemptProgressInfo",
)
_DELIVERY = ("tracked", "completionSetByContent", "objectiveSetByContent")
_CONSTRAINED = ("preventActivation", "constrainChoice")
_MAP_INFO = ("readSatisfiedStatus", "readNormalizedMeasure", "writeSatisfiedStatus", "writeNormalizedMeasure")
# adlseq:mapInfo (4th edition) adds these to an objective's imsss:mapInfo of the same target.
_ADL_MAP_INFO = (
    "readRawScore",
    "readMinScore",
    "readMaxScore",
    "readCompletionStatus",
    "readProgressMeasure",
    "writeRawScore",
    "writeMinScore",
    "writeMaxScore",
    "writeCompletionStatus",
    "writeProgressMeasure",
    "updateAttemptData",
)
_ROLLUP_CONSIDERATIONS = (
    "requiredForSatisfied",
    "requiredForNotSatisfied",
    "requiredForCompleted",
    "requiredForIncomplete",
)


def _bool(value: str | None) -> bool | None:
    if value is None:
        return None
    return value.strip().lower() == "true"


def _flags(el, names, out: dict) -> None:
    if el is None:
        return
    for name in names:
        value = _bool(attr(el, name))
        if value is not None:
            out[name] = value


def _rule(el, conditions_name: str, condition_name: str, action_name: str) -> dict | None:
    conds_el = child(el, conditions_name)
    action_el = child(el, action_name)
    if conds_el is None or action_el is None or not attr(action_el, "action"):
        return None
    conditions = []
    for c in children(conds_el, condition_name):
        cond: dict = {"condition": attr(c, "condition") or "always"}
        if (attr(c, "operator") or "noOp") == "not":
            cond["operator"] = "not"
        if attr(c, "referencedObjective"):
            cond["referencedObjective"] = attr(c, "referencedObjective")
        threshold = number(attr(c, "measureThreshold"))
        if threshold is not None:
            cond["parameters"] = {"threshold": threshold}
        conditions.append(cond)
    rule = {"action": attr(action_el, "action"), "conditions": conditions}
    if attr(conds_el, "conditionCombination"):
        rule["conditionCombination"] = attr(conds_el, "conditionCombination")
    return rule


def _sequencing_rules(seq) -> dict:
    rules_el = child(seq, "sequencingRules")
    if rules_el is None:
        return {}
    out = {}
    for kind in ("preConditionRule", "exitConditionRule", "postConditionRule"):
        found = [
            r
            for r in (
                _rule(el, "ruleConditions", "ruleCondition", "ruleAction") for el in children(rules_el, kind)
            )
            if r
        ]
        if found:
            out[kind + "s"] = found
    return out


def _rollup_rules(seq, controls: dict) -> dict | None:
    rollup = child(seq, "rollupRules")
    if rollup is None:
        return None
    _flags(rollup, ("rollupObjectiveSatisfied", "rollupProgressCompletion"), controls)
    weight = number(attr(rollup, "objectiveMeasureWeight"))
    if weight is not None:
        controls["objectiveMeasureWeight"] = weight
    rules = []
    for el in children(rollup, "rollupRule"):
        rule = _rule(el, "rollupConditions", "rollupCondition", "rollupAction")
        if rule is None:
            continue
        rule["consideration"] = attr(el, "childActivitySet") or "all"
        if number(attr(el, "minimumCount")) is not None:
            rule["minimumCount"] = int(number(attr(el, "minimumCount")))
        if number(attr(el, "minimumPercent")) is not None:  # 0..1 in the manifest, 0..100 here
            rule["minimumPercent"] = round(number(attr(el, "minimumPercent")) * 100, 6)
        rules.append(rule)
    return {"rules": rules} if rules else None


def _objective(el, primary: bool) -> dict | None:
    objective_id = attr(el, "objectiveID")
    if not objective_id and not primary:
        return None
    out: dict = {"objectiveID": objective_id or "__primary__", "isPrimary": primary}
    by_measure = _bool(attr(el, "satisfiedByMeasure"))
    if by_measure is not None:
        out["satisfiedByMeasure"] = by_measure
    measure_el = child(el, "minNormalizedMeasure")
    measure = number(measure_el.text.strip() if measure_el is not None and measure_el.text else None)
    if measure is not None:
        out["minNormalizedMeasure"] = measure
    maps = []
    for m in children(el, "mapInfo"):
        if attr(m, "targetObjectiveID"):
            info = {"targetObjectiveID": attr(m, "targetObjectiveID")}
            _flags(m, _MAP_INFO, info)
            maps.append(info)
    if maps:
        out["mapInfo"] = maps
    return out


def _is_adlseq(el) -> bool:
    return "adlseq" in (etree.QName(el).namespace or "")


def _objectives(seq) -> tuple[dict | None, list[dict]]:
    primary, others = None, []
    sections = children(seq, "objectives")
    section = next((s for s in sections if not _is_adlseq(s)), None)
    if section is not None:
        p = child(section, "primaryObjective")
        primary = _objective(p, True) if p is not None else None
        others = [o for o in (_objective(el, False) for el in children(section, "objective")) if o]
    # adlseq:objectives extend the imsss objectives of the same id with more map fields.
    by_id = {o["objectiveID"]: o for o in ([primary] if primary else []) + others}
    for adl in (s for s in sections if _is_adlseq(s)):
        for el in children(adl, "objective"):
            target = by_id.get(attr(el, "objectiveID") or "")
            if target is None:
                continue
            for m in children(el, "mapInfo"):
                info = {"targetObjectiveID": attr(m, "targetObjectiveID") or ""}
                _flags(m, _ADL_MAP_INFO, info)
                existing = next(
                    (
                        x
                        for x in target.get("mapInfo", [])
                        if x["targetObjectiveID"] == info["targetObjectiveID"]
                    ),
                    None,
                )
                if existing is not None:
                    existing.update(info)
                elif info["targetObjectiveID"]:
                    target.setdefault("mapInfo", []).append(info)
    return primary, others


def sequencing_settings(xml: str | None) -> dict:
    """One <imsss:sequencing> element as the runtime's per-activity settings."""
    if not xml:
        return {}
    seq = parse_xml(xml.encode("utf-8"), "imsss:sequencing")
    out: dict = {}
    if attr(seq, "IDRef"):
        out["sequencingCollectionRefs"] = attr(seq, "IDRef")
    controls: dict = {}
    _flags(child(seq, "controlMode"), _CONTROL_MODE, controls)
    _flags(child(seq, "constrainedChoiceConsiderations"), _CONSTRAINED, controls)
    rules = _sequencing_rules(seq)
    if rules:
        out["sequencingRules"] = rules
    limits = child(seq, "limitConditions")
    if limits is not None:
        if number(attr(limits, "attemptLimit")) is not None:
            out["attemptLimit"] = int(number(attr(limits, "attemptLimit")))
        if attr(limits, "attemptAbsoluteDurationLimit"):
            out["attemptAbsoluteDurationLimit"] = attr(limits, "attemptAbsoluteDurationLimit")
    rollup = _rollup_rules(seq, controls)
    if rollup:
        out["rollupRules"] = rollup
    primary, others = _objectives(seq)
    if primary:
        out["primaryObjective"] = primary
    if others:
        out["objectives"] = others
    random = child(seq, "randomizationControls")
    if random is not None:
        if attr(random, "randomizationTiming"):
            controls["randomizationTiming"] = attr(random, "randomizationTiming")
        if attr(random, "selectionTiming"):
            controls["selectionTiming"] = attr(random, "selectionTiming")
        if number(attr(random, "selectCount")) is not None:
            controls["selectCount"] = int(number(attr(random, "selectCount")))
        reorder = _bool(attr(random, "reorderChildren"))
        if reorder is not None:
            controls["reorderChildren"] = controls["randomizeChildren"] = reorder
    delivery: dict = {}
    _flags(child(seq, "deliveryControls"), _DELIVERY, delivery)
    if delivery:
        out["deliveryControls"] = delivery
    considerations: dict = {}
    rc = child(seq, "rollupConsiderations")
    if rc is not None:
        for name in _ROLLUP_CONSIDERATIONS:
            if attr(rc, name):
                considerations[name] = attr(rc, name)
        if _bool(attr(rc, "measureSatisfactionIfActive")) is not None:
            considerations["measureSatisfactionIfActive"] = _bool(attr(rc, "measureSatisfactionIfActive"))
        out["rollupConsiderations"] = considerations
    if controls:
        out["sequencingControls"] = controls
    return out


def collections(xml: str | None) -> dict[str, dict]:
    """<imsss:sequencingCollection>: reusable sequencing, referenced by IDRef."""
    if not xml:
        return {}
    root = parse_xml(xml.encode("utf-8"), "imsss:sequencingCollection")
    return {
        attr(seq, "ID"): sequencing_settings(etree.tostring(seq, encoding="unicode"))
        for seq in children(root, "sequencing")
        if attr(seq, "ID")
    }


def _with_collection(own: dict, shared: dict) -> dict:
    """An item's sequencing over the collection it references (CAM 5.1.1: what the item says
    itself wins, element by element; objectives are matched by id)."""
    out = {**shared, **own}
    if "sequencingControls" in shared or "sequencingControls" in own:
        out["sequencingControls"] = {
            **shared.get("sequencingControls", {}),
            **own.get("sequencingControls", {}),
        }
    if "objectives" in shared and "objectives" in own:
        mine = {o["objectiveID"] for o in own["objectives"]}
        out["objectives"] = own["objectives"] + [
            o for o in shared["objectives"] if o["objectiveID"] not in mine
        ]
    out.pop("sequencingCollectionRefs", None)
    return out


def _resolved(xml: str | None, shared: dict[str, dict]) -> dict:
    own = sequencing_settings(xml)
    ref = own.get("sequencingCollectionRefs")
    return _with_collection(own, shared.get(ref, {})) if ref else own


def _activity(item: dict, resources: dict, shared: dict[str, dict] | None) -> dict:
    res = resources.get(item.get("identifierref") or "")
    node: dict = {
        "id": item["identifier"],
        "title": item["title"],
        "launchable": bool(res and res.get("href")),
    }
    if not item.get("is_visible", True):
        node["isVisible"] = False
    if shared is not None:
        node.update(_resolved(item.get("sequencing"), shared))
        if item.get("completed_by_measure"):
            node["completionThreshold"] = {
                "completedByMeasure": True,
                "minProgressMeasure": item.get("completion_threshold") or 1.0,
            }
        if item.get("hide_lms_ui"):
            node["hideLmsUi"] = list(item["hide_lms_ui"])
    kids = [_activity(c, resources, shared) for c in item.get("children", [])]
    if kids:
        node["children"] = kids
    return node


def activity_tree(metadata: dict, with_rules: bool) -> dict | None:
    """The default organization as a tree of {id, title, launchable, children, ...rules}."""
    orgs = metadata.get("organizations") or []
    org = next(
        (o for o in orgs if o.get("identifier") == metadata.get("default_organization")),
        orgs[0] if orgs else None,
    )
    if org is None:
        return None
    resources = {r["identifier"]: r for r in metadata.get("resources", [])}
    shared = collections(metadata.get("sequencing_collection")) if with_rules else None
    root = {
        "id": org.get("identifier") or "__organization__",
        "title": org.get("title") or "",
        "launchable": False,
        "children": [_activity(i, resources, shared) for i in org.get("items", [])],
    }
    if shared is not None:
        root.update(_resolved(org.get("sequencing"), shared))
    return root


def runtime_settings(metadata: dict) -> dict:
    """scorm-again's `sequencing` setting for a SCORM 2004 package."""
    return {"activityTree": activity_tree(metadata, True)}

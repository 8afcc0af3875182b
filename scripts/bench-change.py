#!/usr/bin/env python3
"""Changes a share of one patient's resources at FHIR servers (the scale
benchmark's "1% changed" re-sync): each chosen resource is read and PUT back
with `language` set, so the server gives it a new version and lastUpdated.

usage: bench-change.py URL[,URL...] NHS_NUMBER SHARE
Standard library only; prints how many resources were changed and how long it took.
"""
import json
import sys
import time
import urllib.parse
import urllib.request

TYPES = ["Encounter", "MedicationRequest", "Condition", "AllergyIntolerance",
         "MedicationStatement", "DocumentReference", "Composition"]
NHS_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"


def get(url):
    req = urllib.request.Request(url, headers={"Accept": "application/fhir+json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.load(r)


def put(url, resource):
    body = json.dumps(resource).encode()
    req = urllib.request.Request(url, data=body, method="PUT",
                                 headers={"Content-Type": "application/fhir+json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        r.read()


def resources(base, patient_id):
    for ty in TYPES:
        url = f"{base}/{ty}?" + urllib.parse.urlencode({"patient": f"Patient/{patient_id}", "_count": "1000"})
        while url:
            page = get(url)
            for e in page.get("entry", []):
                r = e.get("resource", {})
                if r.get("resourceType") == ty:
                    yield r
            url = next((l["url"] for l in page.get("link", []) if l.get("relation") == "next"), None)


def main():
    bases, nhs, share = sys.argv[1].split(","), sys.argv[2], float(sys.argv[3])
    started = time.perf_counter()
    all_resources = []
    for base in bases:
        found = get(f"{base}/Patient?" + urllib.parse.urlencode({"identifier": f"{NHS_SYSTEM}|{nhs}"}))
        for e in found.get("entry", []):
            all_resources.extend((base, r) for r in resources(base, e["resource"]["id"]))
    every = max(1, round(1 / share))
    chosen = all_resources[::every]
    for base, r in chosen:
        r["language"] = "en-GB"
        r.pop("meta", None)
        put(f"{base}/{r['resourceType']}/{r['id']}", r)
    print(f"changed {len(chosen)} of {len(all_resources)} resources at the servers "
          f"in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()

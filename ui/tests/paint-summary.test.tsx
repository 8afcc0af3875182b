// Own file: the first-paint marker is set once per module instance (app run).
import { afterEach, describe, expect, it } from "vitest";
import { Summary } from "../src/components/Summary";
import { adaSummary } from "./fixtures/patient";
import { cleanup, mount, qa } from "./helpers";

afterEach(cleanup);

const w = window as unknown as { __crossviewTimelinePaint?: number };
const frames = () => new Promise((r) => setTimeout(r, 120));

describe("first paint marker on the summary (the first screen)", () => {
  it("is not set by a summary with nothing in it yet", async () => {
    const empty = {
      ...adaSummary,
      flags: [],
      allergies: { ...adaSummary.allergies, groups: [] },
      medications: { ...adaSummary.medications, groups: [] },
    };
    mount(<Summary summary={empty} onOpenRef={() => {}} />);
    await frames();
    expect(w.__crossviewTimelinePaint).toBeUndefined();
  });

  it("is set after the first frame with entries", async () => {
    const before = Date.now();
    const c = mount(<Summary summary={adaSummary} onOpenRef={() => {}} />);
    expect(qa(c, "allergy-group").length).toBeGreaterThan(0);
    await frames();
    expect(w.__crossviewTimelinePaint).toBeGreaterThanOrEqual(before);
  });
});

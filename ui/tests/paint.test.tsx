// Own file: the first-paint marker is set once per module instance (app run).
import { afterEach, describe, expect, it } from "vitest";
import { Timeline } from "../src/components/Timeline";
import { ADA_NHS, adaEvents, firstPage, sources } from "./fixtures/patient";
import { cleanup, flush, mount, qa } from "./helpers";

afterEach(cleanup);

const w = window as unknown as { __crossviewTimelinePaint?: number };
const frames = () => new Promise((r) => setTimeout(r, 120));

describe("first timeline paint marker", () => {
  it("is not set while the timeline has no rows", async () => {
    const searchRef = { current: null as HTMLInputElement | null };
    mount(<Timeline nhs={ADA_NHS} first={firstPage([])} sources={sources} openKey={null} onOpen={() => {}} searchRef={searchRef} />);
    await flush();
    await frames();
    expect(w.__crossviewTimelinePaint).toBeUndefined();
  });

  it("is set after the first frame with rows, and only once per app run", async () => {
    const searchRef = { current: null as HTMLInputElement | null };
    const before = Date.now();
    const c = mount(<Timeline nhs={ADA_NHS} first={firstPage(adaEvents)} sources={sources} openKey={null} onOpen={() => {}} searchRef={searchRef} />);
    expect(qa(c, "timeline-row").length).toBeGreaterThan(0);
    await frames();
    const first = w.__crossviewTimelinePaint;
    expect(first).toBeGreaterThanOrEqual(before);
    cleanup();
    mount(<Timeline nhs={ADA_NHS} first={firstPage(adaEvents)} sources={sources} openKey={null} onOpen={() => {}} searchRef={searchRef} />);
    await frames();
    expect(w.__crossviewTimelinePaint).toBe(first);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ACTION_IDS,
  BLOCK_IDS,
  INPUT_ACTION_IDS,
  pictureUrlBlockId,
  VIEW_CALLBACK_IDS,
} from "../../src/bot/action-ids.js";
import { ONE_BY_ONE } from "../../src/bot/views/picture-bulk.js";
import { type Stack, startStack, waitFor } from "../support/e2e.js";
import {
  checkboxes,
  openCard,
  openedForm,
  press,
  submit,
  text,
  url,
  viewText,
} from "../support/interactions.js";
import { type PictureHost, startPictureHost } from "../support/picture-host.js";
import { validateView } from "../support/slack-fake/index.js";

/**
 * *Fix picture & reorder…* for an order with more failing personas than one input each can hold: the first
 * ONE_BY_ONE get their own URL input, the rest one "<number> <url>" line each in a bulk input. The form opens in
 * the strict fake, a missing line is asked for under the bulk input, and the corrected order carries every URL.
 */

/** Peeker orders take at most 10 personas. */
const PERSONAS = ONE_BY_ONE + 2;
const newUrl = (i: number) => `https://cdn.pics.test/p${i}-new.png`;

describe("fix picture & reorder with many personas", () => {
  let stack: Stack;
  let pictures: PictureHost;

  beforeAll(async () => {
    pictures = await startPictureHost();
    stack = await startStack({
      name: "reorder-many-personas",
      script: "test/support/bot-fake-network.ts",
      env: {
        ...pictures.env(),
        PEEKER_SEQUENCER_LOGIN_EMAIL: "login@partner.example",
        PEEKER_SEQUENCER_LOGIN_PASSWORD: "canary-sequencer-password-3",
      },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await pictures?.close();
  });

  it("takes the personas past the first inputs as lines of a bulk input, asks for a missing one, then places them all", async () => {
    const seeded = stack.sim.control.seedOrder({
      status: "action_required",
      email: "many@acme.com",
      domains: ["many-personas.com"],
      forwarding_url: "https://acme.com",
      personas: Array.from({ length: PERSONAS }, (_, i) => ({
        first_name: `P${i}`,
        last_name: `Person${i}`,
        profile_picture_url: `http://localhost/p${i}.jpg`,
      })),
    });
    const { row } = await openCard(
      stack,
      { type: "order.action_required", data: { id: seeded.order.id, status: "action_required" } },
      `profile_picture_not_accessible:${seeded.order.id}`,
    );
    const { triggerId } = await press(stack, { actionId: ACTION_IDS.reorderOpen, pendingActionId: row.id });
    const form = await openedForm(stack, triggerId, VIEW_CALLBACK_IDS.reorderSubmit);
    expect(validateView(form.view, "modal")).toBeUndefined();
    const blocks = form.view.blocks as Array<{ type: string; block_id?: string }>;
    const bulk = blocks.find((b) => b.block_id?.startsWith("picture_urls:"))?.block_id;
    expect(bulk).toBe(`picture_urls:${ONE_BY_ONE},${ONE_BY_ONE + 1}`);
    expect(blocks.filter((b) => b.block_id?.startsWith("picture_url:"))).toHaveLength(ONE_BY_ONE);
    expect(viewText(form.view)).toContain(`${ONE_BY_ONE + 1} P${ONE_BY_ONE} Person${ONE_BY_ONE}`);

    stack.sim.control.state.orders.get(seeded.order.id)!.status = "failed";
    const values = (lines: string): Record<string, Record<string, Record<string, unknown>>> => ({
      ...Object.fromEntries(
        Array.from({ length: ONE_BY_ONE }, (_, i) => [
          pictureUrlBlockId(i),
          { [INPUT_ACTION_IDS.pictureUrl]: url(newUrl(i)) },
        ]),
      ),
      [bulk!]: { [INPUT_ACTION_IDS.pictureUrls]: text(lines) },
      [BLOCK_IDS.cancelOriginal]: { [INPUT_ACTION_IDS.cancelOriginal]: checkboxes([]) },
    });
    // Persona numbers count from 1: the bulk personas are 9 and 10; 10 is left out at first.
    const first = `${ONE_BY_ONE + 1}: ${newUrl(ONE_BY_ONE)}`;
    const missing = await submit(stack, { view: form, values: values(first) });
    expect(missing.json).toEqual({
      response_action: "errors",
      errors: { [bulk!]: `${ONE_BY_ONE + 2}: Please fill this in.` },
    });

    const all = `${first}\n${ONE_BY_ONE + 2} ${newUrl(ONE_BY_ONE + 1)}`;
    const answer = await submit(stack, { view: form, values: values(all) });
    // Ten picture checks may outlast Slack's 3 s: the answer is then "Working…" and the outcome follows by
    // views.update, so the test waits for the modal to say "placed" either way.
    const placed = (view: unknown) => /Corrected order .* placed/.test(viewText(view));
    if (!placed(answer.json)) {
      expect(viewText(answer.json)).toContain("Working");
      await waitFor(() => placed(stack.slack.view(form.id)?.view) || undefined, {
        what: "the modal saying the corrected order is placed",
        timeoutMs: 30_000,
      });
    }
    const posted = stack.sim.control
      .requests({ method: "POST", route: "/orders" })
      .filter((r) => r.status === 200)
      .map((r) => (r.body as { personas: Array<{ profile_picture_url: string }> }).personas);
    expect(posted).toHaveLength(1);
    expect(posted[0]?.map((p) => p.profile_picture_url)).toEqual(
      Array.from({ length: PERSONAS }, (_, i) => newUrl(i)),
    );
  });
});

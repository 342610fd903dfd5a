import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, waitFor } from "../support/e2e.js";
import { submit, viewText } from "../support/interactions.js";
import type { PictureHost } from "../support/picture-host.js";
import {
  CRON,
  customerMessageSent,
  customerMessages,
  INTERVAL_MS,
  nameserversForm,
  nameserversValues,
  rowWhen,
  startFlowStack,
  startNameservers,
  startReorder,
  startReorderWithCancel,
  startSwap,
} from "../support/resolution-crash.js";
import { TcpProxy } from "../support/tcp-proxy.js";

/**
 * The database goes away (a TCP proxy cut) once Peeker did the write and before the bot's recording commit
 * (issue #10, design §6): the person is told what Peeker did — never "Nothing was changed" — and once the
 * database is back, the same process's sweeper records it within one reconcile interval, without a second
 * Peeker write; a card whose submit wrote nothing is released, and the customer is messaged once.
 */

describe("resolution flows survive a database outage at the recording commit", () => {
  let stack: Stack;
  let pictures: PictureHost;
  let proxy: TcpProxy;
  let bot: number;

  beforeAll(async () => {
    ({ stack, pictures } = await startFlowStack("resolve-commit-outage"));
    const target = new URL(stack.database.url);
    proxy = await TcpProxy.start(target.hostname, Number(target.port || 5432));
    await stack.startBot(
      { DATABASE_URL: proxy.rewrite(stack.database.url), RECONCILE_CRON: CRON },
      "commit-outage",
    );
    bot = stack.bots.length - 1;
  });
  afterAll(async () => {
    proxy?.up();
    await stack?.stop();
    await proxy?.close();
    await pictures?.close();
  });

  /** What the submitter was finally told: the ack's view, or the view that replaced "Working…". */
  const told = async (flow: { viewId: string; answer: Promise<unknown> }) => {
    const words = /Do not submit again|Nothing was changed|Could not finish/;
    const acked = viewText(((await flow.answer) as { json?: unknown }).json);
    if (words.test(acked)) return acked;
    return waitFor(
      () => {
        const text = viewText(stack.slack.view(flow.viewId)?.view);
        return words.test(text) ? text : undefined;
      },
      { what: "the submit's outcome", timeoutMs: 20_000 },
    ).catch((error: Error) => {
      throw new Error(`${error.message}; the ack said ${acked.slice(0, 600)}`);
    });
  };

  it("swap: told Peeker created it; recorded once the database is back", { timeout: 90_000 }, async () => {
    const flow = await startSwap(stack, bot, "write_then_hang");
    proxy.down();
    const words = await told(flow);
    expect(words).not.toContain("Nothing was changed");
    expect(words).toContain(`Peeker created swap ${flow.swap()!.id}`);
    proxy.up();
    const swapId = flow.swap()!.id;
    await rowWhen(
      stack,
      flow.key,
      (r) => r.swap_id === swapId && r.intent_kind === null,
      INTERVAL_MS,
      "the swap recorded",
    );
    expect(flow.writes()).toHaveLength(1);
  });

  it("reorder: told Peeker placed it; the card follows it once the database is back", {
    timeout: 90_000,
  }, async () => {
    const flow = await startReorder(stack, bot, "write_then_hang");
    proxy.down();
    const words = await told(flow);
    const newOrderId = flow.placed()!.id;
    expect(words).not.toContain("Nothing was changed");
    expect(words).toContain(`Peeker placed the corrected order ${newOrderId}`);
    proxy.up();
    const row = await rowWhen(
      stack,
      flow.key,
      (r) => (r.details as { newOrderId?: string }).newOrderId === newOrderId && r.intent_kind === null,
      INTERVAL_MS,
      "the corrected order recorded",
    );
    expect(row.state).toBe("resolving");
    expect(flow.writes()).toHaveLength(1);
  });

  it("reorder with cancel: told the cancellation was accepted; the reorder is queued once the database is back", {
    timeout: 90_000,
  }, async () => {
    const flow = await startReorderWithCancel(stack, bot, "write_then_hang");
    proxy.down();
    const words = await told(flow);
    expect(words).not.toContain("Nothing was changed");
    expect(words).toContain(`Peeker accepted the cancellation of ${flow.order.id}`);
    proxy.up();
    const row = await rowWhen(
      stack,
      flow.key,
      (r) => (r.details as { queuedReorder?: unknown }).queuedReorder !== undefined && r.intent_kind === null,
      INTERVAL_MS,
      "the queued reorder recorded",
    );
    expect(row.state).toBe("resolving");
    expect(flow.cancels()).toHaveLength(1);
  });

  it("nameservers: nothing recorded, nothing sent; the card is released and the retry messages the customer once", {
    timeout: 90_000,
  }, async () => {
    const flow = await startNameservers(stack, bot, 2_000);
    proxy.down();
    const words = await told(flow);
    expect(words).toContain("Nothing was changed");
    expect(customerMessages(stack)).toEqual([]);
    proxy.up();
    const row = await rowWhen(
      stack,
      flow.key,
      (r) => r.state === "open" && r.intent_kind === null,
      INTERVAL_MS,
      "the card open again",
    );
    const form = await nameserversForm(stack, row.id, bot);
    await submit(stack, { view: form, values: nameserversValues(flow.message), bot });
    await customerMessageSent(stack, row.id);
    expect(customerMessages(stack).filter((t) => t === flow.message)).toHaveLength(1);
  });
});

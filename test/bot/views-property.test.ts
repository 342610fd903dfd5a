import { describe, expect, it } from "vitest";
import { cardModelOf } from "../../src/bot/card-model-of.js";
import { problemInWords, refusalInWords } from "../../src/bot/error-words.js";
import { render } from "../../src/bot/listeners/commands/dispatch.js";
import { outcomeView } from "../../src/bot/listeners/interaction-kit.js";
import {
  renderDomainAnswer,
  renderImportsAnswer,
  renderOrderAnswer,
  renderPendingAnswer,
  renderSwapAnswer,
} from "../../src/bot/views/answers.js";
import { renderBacklogSummary } from "../../src/bot/views/backlog-summary.js";
import { renderCard } from "../../src/bot/views/card.js";
import { renderDigest } from "../../src/bot/views/digest.js";
import { renderHistory } from "../../src/bot/views/history.js";
import { renderHome } from "../../src/bot/views/home.js";
import { fieldErrorContext, loadingModal, workingModal } from "../../src/bot/views/modals.js";
import { nameserversModal } from "../../src/bot/views/nameservers-modal.js";
import { reorderLoginModal, reorderModal } from "../../src/bot/views/reorder-modal.js";
import { renderStatusAnswer } from "../../src/bot/views/status-answer.js";
import { swapModal } from "../../src/bot/views/swap-modal.js";
import { renderThreadLine } from "../../src/bot/views/thread-line.js";
import { escapeMrkdwn } from "../../src/mrkdwn.js";
import { PeekerError } from "../../src/peeker/errors.js";
import type { Order } from "../../src/peeker/types.js";
import type { CardChange } from "../../src/pending/changes.js";
import { validateMessage, validateView } from "../support/slack-fake/index.js";
import {
  Gen,
  pendingRow,
  permalinks,
  queueItem,
  reasonCount,
  SIZES,
  type Size,
  UNTRUSTED_MARKUP,
} from "./view-data.js";

/**
 * Every view builder, rendered with generated data and sent through the strict fake's validator: no payload
 * refused, no untrusted `<…>` (nor a bare `&`) surviving into mrkdwn or a `text` fallback.
 */

const SEEDS = 12;

/** Every string Slack parses as mrkdwn: mrkdwn text objects, and the `text` fallback of a message. */
function mrkdwnTexts(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) mrkdwnTexts(v, out);
  else if (value && typeof value === "object") {
    const o = value as Record<string, unknown>;
    if (o.type === "mrkdwn" && typeof o.text === "string") out.push(o.text);
    for (const v of Object.values(o)) mrkdwnTexts(v, out);
  }
  return out;
}

function expectInert(texts: string[]): void {
  for (const text of texts) {
    {
      const m = UNTRUSTED_MARKUP.exec(text);
      expect(m ? text.slice(Math.max(0, m.index - 150), m.index + 30) : undefined).toBeUndefined();
    }
    expect(/&(?!amp;|lt;|gt;).{0,12}/.exec(text)?.[0], text.slice(0, 200)).toBeUndefined();
  }
}

function expectMessage(message: { text: string; blocks?: unknown[]; metadata?: unknown }): void {
  const refused = validateMessage({ ...message });
  if (refused) throw new Error(`${refused.error}: ${(refused.errors ?? []).slice(0, 3).join(" / ")}`);
  expectInert([message.text, ...mrkdwnTexts(message.blocks ?? [])]);
}

function expectView(view: unknown, kind: "modal" | "home"): void {
  const refused = validateView(view, kind);
  if (refused) throw new Error(`${refused.error}: ${(refused.errors ?? []).slice(0, 3).join(" / ")}`);
  expectInert(mrkdwnTexts(view));
}

/** Runs `check` for every size and seed, naming the case that failed. */
function forAll(name: string, check: (g: Gen) => void): void {
  describe(name, () => {
    for (const size of SIZES) {
      it(`holds for ${SEEDS} ${size} inputs`, () => {
        for (let seed = 1; seed <= SEEDS; seed++) {
          const g = new Gen(seed * 7919 + size.length, size as Size);
          try {
            check(g);
          } catch (error) {
            throw new Error(`seed ${seed}, ${size}: ${(error as Error).message}`);
          }
        }
      }, 120_000);
    }
  });
}

function order(g: Gen): Order {
  return {
    id: g.id("ord"),
    user_id: g.id("usr"),
    email: g.bool() ? g.text(60) : null,
    status: g.text(20) || "active",
    created_at: g.bool() ? g.date().toISOString() : g.text(),
    personas: g.list(
      () => ({ first_name: g.text(), last_name: g.text(), profile_picture_url: null }),
      3,
      500,
    ),
    domains: g.list(() => ({ domain: g.text(60) }), 5, 800),
  } as Order;
}

const actions = (g: Gen) =>
  g.list(() => ({ id: g.id("act"), reason: g.text(30) || "x", message: g.text(300) }), 3, 300);

forAll("cards", (g) => {
  const row = pendingRow(g, 0);
  expectMessage(renderCard(cardModelOf(row)));
});

forAll("thread lines", (g) => {
  const changes = [
    { kind: "resolving", by: g.slackUser(), note: g.text() },
    { kind: "reopened", why: g.text() },
    { kind: "customer_notified", by: g.slackUser(), to: g.bool() ? "thread" : { channel: g.text(20) } },
    { kind: "customer_message", text: g.text(3000) },
    { kind: "resolved", source: "slack", by: g.slackUser(), how: g.text() },
    { kind: "resolved", source: "peeker", how: g.text() },
    { kind: "error", message: g.text(), requestId: g.id("req") },
    { kind: "note", text: `<@U0ALICE> ${escapeMrkdwn(g.text())}` },
    { kind: "nudge", waitedMs: 1e7, slaMs: 1e6, users: [g.slackUser()], groups: [g.text(10)] },
  ] satisfies CardChange[];
  for (const change of changes) expectMessage({ text: renderThreadLine(change) });
});

forAll("the digest", (g) => {
  const oldest = g.list((i) => queueItem(g, i), 10, 50);
  const byReason = g.list(() => reasonCount(g), 4, 300);
  const total = byReason.reduce((s, r) => s + r.count, 0);
  const digest = renderDigest({
    slot: g.text(20),
    permalinks: permalinks(g, oldest),
    data: {
      now: g.date(),
      since: g.date(),
      sinceKind: g.bool() ? "previous_digest" : "last_24h",
      open: { total, byReason },
      oldest,
      breaches: { total: g.int(0, total), byReason: byReason.slice(0, 50), oldest: oldest.slice(0, 10) },
      resolved: {
        total: g.int(0, 1000),
        byWhom: g.list(() => ({ by: g.slackUser(), count: g.int(1, 50) }), 3, 200),
        medianMs: g.bool() ? g.int(0, 1e9) : undefined,
        p90Ms: g.int(0, 1e9),
      },
    },
  });
  expectMessage(digest);
});

function health(g: Gen) {
  return {
    now: g.date(),
    inbox: { depth: g.int(0, 1e6), lagSeconds: g.int(0, 1e5), failed: g.int(0, 1e4) },
    failed: g.list(
      () => ({
        eventId: g.id("evt"),
        type: g.bool() ? g.text() : null,
        failedAt: g.date(),
        attempts: 10,
        lastError: g.text(),
      }),
      3,
      10,
    ),
    outbox: {
      cardsWaiting: g.int(0, 9),
      cardsHeld: g.int(0, 9),
      linesWaiting: g.int(0, 9),
      oldestWaitingSeconds: 5,
      failing: g.int(0, 2),
      lastError: g.text(),
    },
    lastReconcile: g.bool()
      ? {
          job: "reconcile",
          slot: g.text(),
          runner: g.text(),
          started_at: g.date(),
          finished_at: null,
          outcome: g.pick(["running", "succeeded", "failed"] as const),
          counts: Object.fromEntries(g.list(() => [g.text(20), g.int(0, 99)] as const, 3, 50)),
          error: g.text(),
        }
      : undefined,
  };
}

forAll("the App Home", (g) => {
  const oldest = g.list((i) => queueItem(g, i), 10, 60);
  const mine = g.list((i) => queueItem(g, i), 8, 60);
  expectView(
    renderHome({
      ...health(g),
      byReason: g.list(() => reasonCount(g), 4, 300),
      oldest,
      mine,
      mineTotal: mine.length * 3,
      permalinks: permalinks(g, [...oldest, ...mine]),
      sandbox: g.bool(),
    }),
    "home",
  );
});

forAll("the backlog summary", (g) => {
  const waiting = Object.fromEntries(g.list(() => [g.text(70) || "x", g.int(0, 1e5)] as const, 5, 300));
  expectMessage(renderBacklogSummary({ waitingByReason: waiting, limit: g.int(1, 500) }));
});

forAll("slash answers, through the dispatcher's render", (g) => {
  const tracked = g.list((i) => pendingRow(g, i), 2, 8).map(cardModelOf);
  const commandText = g.text(100);
  const nameserverGroups = g.list(
    () => ({ nameservers: g.list(() => g.text(60), 4, 40), domains: g.list(() => g.text(60), 5, 500) }),
    3,
    30,
  );
  const imports = g.list(
    () => ({
      id: g.id("imp"),
      status: g.text(20),
      nameserver_groups: nameserverGroups,
      pending_actions: actions(g),
    }),
    2,
    30,
  );
  const answers = [
    renderOrderAnswer({
      order: order(g),
      peekerActions: g.list(
        () => ({
          id: g.id("act"),
          type: "x",
          reason: g.text(30) || "x",
          status: "open",
          user: { first_name: g.text(), last_name: g.text(), profile_picture_url: null },
          message: g.text(300),
          created_at: "",
        }),
        3,
        100,
      ),
      tracked,
    }),
    renderImportsAnswer({ imports: imports as never, ...(g.bool() ? { domain: g.text(60) } : {}), tracked }),
    renderSwapAnswer({
      swap: {
        id: g.id("swp"),
        type: g.text(10) || "standard",
        domain_id: g.id("dom"),
        replacement_domain: g.text(60) || null,
        status: g.text(20),
        created_at: g.text(),
        message: g.text(),
        reason: g.text(20),
      },
      tracked,
    }),
    renderDomainAnswer({
      name: g.text(80),
      domain: g.bool()
        ? {
            id: g.id("dom"),
            domain: g.text(80),
            status: g.text(20),
            provider: g.text(20),
            category: g.text(10),
            order_id: g.id("ord"),
            user_id: g.id("usr"),
            usable_for: g.list(() => g.text(10), 2, 100),
            pending_actions: actions(g),
          }
        : undefined,
      imports: imports as never,
      tracked,
    }),
    renderPendingAnswer({
      now: g.date(),
      reason: g.bool() ? g.text(30) : undefined,
      byReason: g.list(() => reasonCount(g), 4, 300),
      items: g.list((i) => queueItem(g, i), 15, 15),
      permalinks: new Map(),
    }),
    renderStatusAnswer({
      ...health(g),
      peeker: g.bool()
        ? {
            ok: true,
            ms: 12,
            me: {
              api_key: { environment: "live", permission_preset: g.text(20) },
              partner: { id: "p", name: g.text() },
            },
          }
        : { ok: false, ms: 9, problem: g.text() },
      queueTotal: g.int(0, 1e5),
    }),
    renderHistory(
      g.text(80),
      g.list(
        () => ({
          at: g.date(),
          actor: g.slackUser(),
          action: g.text(30),
          pendingActionId: null,
          resourceId: null,
          details: { why: g.text(), status: g.text(), outcome: { kind: g.text(), refusal: g.text() } },
          peekerRequestId: g.id("req"),
        }),
        5,
        300,
      ),
    ),
  ];
  for (const answer of answers) {
    const message = render({ ...answer, shareable: g.bool() }, commandText);
    expectMessage({ text: message.text, blocks: message.blocks ?? [] });
  }
});

forAll("modals", (g) => {
  const errors = (ids: string[]) =>
    Object.fromEntries(ids.map((id) => [id, problemInWords({ kind: "not_a_domain", value: g.text() })]));
  const failing = g.list(
    (i) => ({ index: i * 2, firstName: g.text(), lastName: g.text(), badUrl: g.bool() ? g.text(400) : null }),
    3,
    700,
  );
  const views = [
    swapModal({
      pendingActionId: "7",
      domain: { id: g.id("dom"), name: g.text(120), provider: g.bool() ? g.text(30) : null },
      premiumAllowed: g.bool(),
      values: { replacement: g.text(300), type: "premium" },
      errors: {
        replacement: problemInWords({ kind: "premium_needs_microsoft", provider: g.text() }),
        swapType: g.text() ? "x" : undefined,
      },
    }),
    reorderModal({
      pendingActionId: "9",
      orderId: g.id("ord"),
      failing,
      askLogin: { email: g.bool(), password: g.bool() },
      values: {
        urls: new Map(
          failing.map((p) => [p.index, `https://cdn.example.com/${"p".repeat(g.int(1, 200))}.jpg`]),
        ),
        cancelOriginal: g.bool(),
      },
      errors: errors(["cancel_original", "picture_url:0"]),
    }),
    reorderLoginModal({
      pendingActionId: "9",
      originalOrderId: g.id("ord"),
      askLogin: { email: true, password: g.bool() },
    }),
    nameserversModal({
      pendingActionId: "3",
      domains: g.list(() => g.text(60), 5, 800),
      groups: g.list(
        () => ({ nameservers: g.list(() => g.text(60), 4, 40), domains: g.list(() => g.text(60), 5, 200) }),
        3,
        30,
      ),
      customerChannel: g.bool() ? g.pick(["C0CUST01", g.text(20)]) : undefined,
      errors: {
        message: problemInWords({ kind: "not_a_domain", value: g.text() }),
        sendTo: problemInWords({ kind: "no_customer_channel" }),
      },
    }),
    loadingModal(g.text(40) || "Title"),
    workingModal(g.text(40) || "Title"),
    outcomeView(g.text(40) || "Title", {
      kind: "refused",
      refusal: g.pick([
        { kind: "resolving", by: g.slackUser(), note: g.text() },
        { kind: "resolved", how: g.text() },
        { kind: "wrong_reason", reason: g.text() },
      ]),
    }),
    outcomeView("Swap domain", {
      kind: "failed",
      doing: "asking Peeker",
      error: new PeekerError({
        code: g.text(20) || "x",
        message: g.text(),
        status: 400,
        field: g.text(20),
        requestId: g.id("req"),
      }),
    }),
    outcomeView("Swap domain", {
      kind: "invalid",
      problems: g.list(
        () => ({
          field: "replacement" as const,
          problem: {
            kind: "not_usable" as const,
            domain: g.text(),
            provider: g.text(),
            usableFor: [g.text()],
          },
        }),
        3,
        300,
      ),
    }),
  ];
  for (const view of views) expectView(view, "modal");
  expectInert([refusalInWords({ kind: "no_longer_pending", how: g.text() })]);
  // Even raw text given by mistake stays inert under a field (only user and channel mentions survive).
  expectInert(mrkdwnTexts(fieldErrorContext(g.text().replace(/<[@#][UC]0EVIL/g, ""))));
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../support/e2e.js";
import { OPERATOR } from "../support/interactions.js";
import { buildBlockActions, interactionBody, postSigned } from "../support/slack-signing.js";
import { hookAnswer, slash } from "../support/visibility.js";

/**
 * With SLACK_OPERATORS set, the commands and buttons that trigger work refuse everyone else in words, audit the
 * refusal, and run nothing (issue #10 item 8): *Retry* of `/peeker status`, `/peeker reconcile`, `/peeker digest`.
 */
const STRANGER = "U0STRANGER9";

describe("operator checks on work-triggering commands", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ name: "operator-checks", env: { SLACK_OPERATORS: OPERATOR } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const runsOf = (job: string) =>
    stack.database.handle.db.selectFrom("runs").selectAll().where("job", "=", job).execute();
  const refusals = () =>
    stack.database.handle.db
      .selectFrom("audit_log")
      .select(["actor", "action", "resource_id", "details"])
      .where("action", "=", "permission.refused")
      .orderBy("id")
      .execute();

  it("refuses /peeker reconcile and /peeker digest to a non-operator, audited, and runs neither", async () => {
    const reconcile = await slash(stack, "reconcile", { userId: STRANGER });
    expect(reconcile.ack.text).toContain(
      "Only Peeker operators (SLACK_OPERATORS) can use `/peeker reconcile`",
    );
    const digest = await slash(stack, "digest", { userId: STRANGER });
    expect(digest.ack.text).toContain("Only Peeker operators (SLACK_OPERATORS) can use `/peeker digest`");

    // Both run inside the command before it answers: once the refusal arrived, nothing can have started.
    expect(await runsOf("reconcile")).toHaveLength(0);
    expect(await runsOf("digest")).toHaveLength(0);
    expect(stack.sim.control.requests({ route: "/orders/pending" })).toHaveLength(0);
    expect(stack.slack.calls("chat.postMessage")).toHaveLength(0);
    expect((await refusals()).map((r) => [r.actor, r.details])).toEqual([
      [STRANGER, { attempted: "`/peeker reconcile`" }],
      [STRANGER, { attempted: "`/peeker digest`" }],
    ]);

    // The same command from an operator runs: the refusal above was the check, not a broken command.
    const allowed = await slash(stack, "reconcile", { userId: OPERATOR });
    expect(allowed.ack.text ?? "").not.toContain("Only Peeker operators");
    expect(await runsOf("reconcile")).toHaveLength(1);
    expect(stack.sim.control.requests({ route: "/orders/pending" }).length).toBeGreaterThan(0);
  });

  it("refuses Retry on a failed event to a non-operator; the event stays failed", async () => {
    const { db } = stack.database.handle;
    const eventId = "evt_operator_check_failed";
    await db
      .insertInto("webhook_events")
      .values({
        event_id: eventId,
        type: "order.action_required",
        peeker_timestamp: new Date(),
        payload: JSON.stringify({ id: eventId }),
        attempts: 10,
        failed_at: new Date(),
        last_error: "Peeker internal_error: boom",
      })
      .execute();
    const hookId = `operator-retry-${Date.now()}`;
    const pressed = await postSigned(
      `${stack.bots[0]!.url}/slack/events`,
      interactionBody(
        buildBlockActions({
          actionId: "peeker:status:retry_event",
          value: eventId,
          userId: STRANGER,
          responseUrl: stack.slack.responseUrl(hookId),
        }),
      ),
      stack.env.SLACK_SIGNING_SECRET!,
    );
    expect(pressed.status).toBe(200);
    expect((await hookAnswer(stack.slack, hookId)).text).toContain(
      "Only Peeker operators (SLACK_OPERATORS) can use *Retry*",
    );
    // The answer comes after the retry would have happened: the row is still failed, untouched.
    const row = await db
      .selectFrom("webhook_events")
      .select(["failed_at", "attempts"])
      .where("event_id", "=", eventId)
      .executeTakeFirstOrThrow();
    expect(row.failed_at).not.toBeNull();
    expect(row.attempts).toBe(10);
    const audit = (await refusals()).filter((r) => r.resource_id === eventId);
    expect(audit).toEqual([
      {
        actor: STRANGER,
        action: "permission.refused",
        resource_id: eventId,
        details: { attempted: "*Retry* on a failed event" },
      },
    ]);
  });
});

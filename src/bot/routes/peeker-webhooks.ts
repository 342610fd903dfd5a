import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../../logger.js";
import type { Metrics } from "../../metrics.js";
import { DEFAULT_MAX_WEBHOOK_BODY_BYTES } from "../../peeker/webhooks.js";
import { acceptDelivery, type IntakeAnswer, type IntakeDeps } from "../../pending/intake.js";
import { BodyTooLargeError, readRawBody, sendJson } from "../http.js";

export interface PeekerWebhookRouteDeps {
  intake: IntakeDeps;
  logger: Logger;
  metrics: Metrics;
  /** Called after an accepted event committed, to wake this process's inbox processor. */
  onAccepted: () => void;
  /** Told when each delivery's whole body was read and when its answer is known (src/app/intake-pressure.ts). */
  inFlight?: { enter(): void; leave(): void };
}

export function makePeekerWebhookRoute(deps: PeekerWebhookRouteDeps) {
  const { logger, metrics } = deps;
  // One counter child per (outcome, reason), looked up once: prom-client hashes the label object on every inc().
  const counters = new Map<string, { inc: () => void }>();
  const count = (outcome: string, reason: string) => {
    const key = `${outcome}\u0000${reason}`;
    let counter = counters.get(key);
    if (!counter) {
      counter = metrics.webhooks.labels(outcome, reason);
      counters.set(key, counter);
    }
    counter.inc();
  };
  const settledAtIntake = metrics.eventsProcessed.labels("processed");
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const stopTimer = metrics.webhookSeconds.startTimer();
    if (deps.intake.secrets.length === 0) {
      count("rejected", "poll_only");
      sendJson(res, 404, {
        error: "webhooks are off: PEEKER_WEBHOOK_SECRET is unset, so the bot runs poll-only",
      });
      return;
    }
    let rawBody: Buffer;
    try {
      rawBody = await readRawBody(req, DEFAULT_MAX_WEBHOOK_BODY_BYTES);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      count("rejected", "body_too_large");
      logger.warn({ reason: "body_too_large" }, "webhook rejected");
      res.setHeader("connection", "close");
      sendJson(res, 413, { error: `body larger than ${DEFAULT_MAX_WEBHOOK_BODY_BYTES} bytes` });
      return;
    }
    // Counted from a whole body on (a slow or stalled upload presses nothing) until the answer.
    deps.inFlight?.enter();
    let answer: IntakeAnswer;
    try {
      answer = await acceptDelivery(deps.intake, req.headers, rawBody);
    } finally {
      deps.inFlight?.leave();
    }
    count(answer.outcome, answer.reason ?? "");
    if (answer.outcome === "rejected" || answer.outcome === "unavailable") {
      logger.warn(
        { status: answer.status, reason: answer.reason, eventId: answer.eventId },
        "webhook not accepted",
      );
    }
    sendJson(res, answer.status, answer.body);
    stopTimer();
    if (answer.outcome !== "accepted") return;
    // An event stored settled is already processed: count it, and leave the processor asleep.
    if (answer.settled) settledAtIntake.inc();
    else deps.onAccepted();
  };
}

import type { AllMiddlewareArgs, AnyMiddlewareArgs, Middleware } from "@slack/bolt";
import type { Logger } from "../logger.js";
import { messageModal } from "./views/modals.js";

/**
 * Graceful drain (issue #10 item 7; README "Operations"): from SIGTERM on, `/readyz` answers 503 so the load
 * balancer stops sending, every new Slack interaction is refused in words (never silence), and the interactive
 * work already under way — a submit answered "Working…", a command answering through its response_url — is
 * waited for, up to SHUTDOWN_DRAIN_SECONDS, before the loops and pools stop.
 */

export const DRAINING_WORDS =
  "The Peeker bot is restarting and takes no new requests for a moment; nothing was done. Try again in a minute.";

export interface Drain {
  readonly draining: boolean;
  /** From now on: not ready, new interactions refused. */
  begin(): void;
  /** Counts `work` as in flight until it settles. */
  track<T>(work: Promise<T>): Promise<T>;
  /** Resolves once nothing is in flight, or after `timeoutMs`; answers how many were still running. */
  settled(timeoutMs: number): Promise<number>;
}

export function createDrain(): Drain {
  let draining = false;
  const inFlight = new Set<Promise<unknown>>();
  return {
    get draining() {
      return draining;
    },
    begin() {
      draining = true;
    },
    track(work) {
      const entry = work.finally(() => inFlight.delete(entry));
      // The caller handles `work`'s failure; the tracking copy must not become an unhandled rejection.
      entry.catch(() => {});
      inFlight.add(entry);
      return work;
    },
    async settled(timeoutMs) {
      // Elapsed time, not business time: performance.now() is not moved by clock changes.
      const deadline = performance.now() + timeoutMs;
      while (inFlight.size > 0 && performance.now() < deadline) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          Promise.allSettled([...inFlight]),
          new Promise((resolve) => {
            timer = setTimeout(resolve, deadline - performance.now());
          }),
        ]);
        clearTimeout(timer);
      }
      return inFlight.size;
    },
  };
}

type Args = AnyMiddlewareArgs & AllMiddlewareArgs;
type Ack = (response?: unknown) => Promise<void>;

/**
 * Bolt global middleware: tracks every listener chain while serving, refuses new interactions while draining.
 * Events (the Home tab opening) are acknowledged by Bolt itself and simply not handled then.
 */
export function drainMiddleware(drain: Drain, logger: Logger): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const all = args as Args;
    if (!drain.draining) {
      await drain.track(all.next());
      return;
    }
    await refuse(all, logger).catch((error: unknown) =>
      logger.warn(
        { err: { message: (error as Error)?.message } },
        "could not refuse a request while draining",
      ),
    );
  };
}

async function refuse(args: Args, logger: Logger): Promise<void> {
  const body = args.body as Record<string, unknown>;
  const ack = "ack" in args ? (args.ack as Ack) : undefined;
  logger.info({ type: body.type ?? (body.command ? "slash_command" : "unknown") }, "refused while draining");
  if (body.type === "view_submission") {
    // An inline error under the first input keeps what the person typed: they can submit again after restart.
    const view = body.view as { blocks?: { type?: string; block_id?: string }[]; title?: { text?: string } };
    const input = view?.blocks?.find((b) => b.type === "input" && b.block_id);
    await ack?.(
      input?.block_id
        ? { response_action: "errors", errors: { [input.block_id]: DRAINING_WORDS } }
        : { response_action: "update", view: messageModal(view?.title?.text ?? "Peeker", [DRAINING_WORDS]) },
    );
    return;
  }
  if (typeof body.command === "string") {
    await ack?.({ response_type: "ephemeral", text: DRAINING_WORDS });
    return;
  }
  await ack?.();
  if (body.type !== "block_actions") return;
  if ("respond" in args && typeof body.response_url === "string") {
    await args.respond({ response_type: "ephemeral", replace_original: false, text: DRAINING_WORDS });
    return;
  }
  const channel = (body.channel as { id?: string } | undefined)?.id;
  const user = (body.user as { id?: string } | undefined)?.id;
  if (channel && user) await args.client.chat.postEphemeral({ channel, user, text: DRAINING_WORDS });
}

import { SIM_KEYS } from "./peeker-sim/state.js";

/**
 * Every secret the tests give a bot. None may ever appear in a bot's log (checked after the whole run by the
 * global setup's teardown, and per stack by test/support/e2e.ts).
 */
export const CANARY_SECRETS = [
  "xoxb-test-canary-bot-token",
  "canary-slack-signing-secret",
  "pk_test_canary_api_key",
  "whsec_canary_webhook_secret",
  "canary-sequencer-password",
  ...Object.values(SIM_KEYS),
];

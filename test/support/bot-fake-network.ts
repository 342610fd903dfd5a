/**
 * The bot as a real process, like `src/main.ts start`, with one thing injected: the network the picture check of
 * the reorder modal sees. Tests cannot make a public https host serve pictures, so the check gets a fake DNS
 * (`TEST_FAKE_DNS`: host → addresses) and a fake routing table (`TEST_FAKE_ROUTES`: address → a loopback port
 * that stands in for that public address). The check's rules (https, userinfo, every address checked, pinning,
 * redirects, size, type) run unchanged; only name resolution and the socket are test doubles.
 */
import { connect, isIP, type Socket } from "node:net";
import { startBot } from "../../src/app/bot.js";
import { systemClock } from "../../src/clock.js";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { createPictureUrlChecker } from "../../src/net/picture-url-check.js";

export const FAKE_DNS_ENV = "TEST_FAKE_DNS";
export const FAKE_ROUTES_ENV = "TEST_FAKE_ROUTES";

const dns = JSON.parse(process.env[FAKE_DNS_ENV] ?? "{}") as Record<string, string[]>;
const routes = JSON.parse(process.env[FAKE_ROUTES_ENV] ?? "{}") as Record<string, number>;

const checkPictureUrl = createPictureUrlChecker({
  timeoutMs: 3000,
  resolve: async (host) => {
    const addresses = dns[host];
    if (!addresses) throw new Error(`ENOTFOUND ${host}`);
    return addresses.map((address) => ({ address, family: isIP(address) === 6 ? 6 : 4 }));
  },
  dial: (target) =>
    new Promise<Socket>((resolve, reject) => {
      const port = routes[target.address];
      if (port === undefined) {
        reject(new Error(`no route to ${target.address} in this test network`));
        return;
      }
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => resolve(socket));
      socket.once("error", reject);
    }),
});

const config = loadConfig({ ...process.env });
const logger = createLogger({ level: config.logLevel });
const bot = await startBot(config, { logger, clock: systemClock, checkPictureUrl });
const stop = () => {
  bot.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);

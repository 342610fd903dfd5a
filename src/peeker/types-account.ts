import { z } from "zod";
import { openEnum, sequencerSchema } from "./types-shared.js";

/** The key's own account (`GET /me`) and the customers it acts for (`GET /users/{id}`). */

export const meSchema = z.looseObject({
  api_key: z.looseObject({
    environment: openEnum(["test", "live"] as const),
    permission_preset: openEnum(["full", "limited", "read"] as const),
  }),
  partner: z.looseObject({ id: z.string(), name: z.string() }),
});
export type Me = z.infer<typeof meSchema>;

export const userSchema = z.looseObject({
  id: z.string(),
  email: z.string(),
  first_name: z.string().nullish(),
  last_name: z.string().nullish(),
  status: openEnum(["active", "deleted"] as const),
  sequencer: sequencerSchema.nullish(),
  created_at: z.string().optional(),
});
export type User = z.infer<typeof userSchema>;

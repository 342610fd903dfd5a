import { z } from "zod";

/** The envelopes around every answer: `{ data }`, `{ data, links, meta }` for lists, `{ error }` for failures. */

export const errorEnvelopeSchema = z.looseObject({
  error: z.looseObject({
    code: z.string(),
    message: z.string().optional(),
    field: z.string().nullish(),
    details: z.record(z.string(), z.unknown()).nullish(),
  }),
});

export const linksSchema = z.looseObject({ first: z.string().nullish(), next: z.string().nullish() });
export const metaSchema = z.looseObject({
  path: z.string().optional(),
  per_page: z.number().optional(),
  returned: z.number().optional(),
});

export function singleEnvelope<S extends z.ZodType>(data: S) {
  return z.looseObject({ data });
}

export function listEnvelope<S extends z.ZodType>(row: S) {
  return z.looseObject({ data: z.array(row), links: linksSchema, meta: metaSchema.optional() });
}

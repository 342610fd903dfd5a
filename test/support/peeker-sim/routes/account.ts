/** `GET /me` (reference §1) and `GET /users/{id}` (reference §3.9). */
import { notFound, ok } from "../http.js";
import type { RouteDef } from "../router.js";
import { userView } from "../views.js";

export const accountRoutes: RouteDef[] = [
  {
    method: "GET",
    pattern: "/me",
    access: "read",
    handler: ({ state, key }) => {
      const partner = state.partners.get(key.partnerId);
      return ok({
        api_key: { environment: key.environment, permission_preset: key.preset },
        partner: { id: key.partnerId, name: partner?.name ?? "Partner" },
      });
    },
  },
  {
    method: "GET",
    pattern: "/users/{id}",
    access: "read",
    handler: ({ state, key, params }) => {
      const user = state.scoped(state.users, params.id ?? "", key.partnerId);
      if (!user) throw notFound("user");
      return ok(userView(user));
    },
  },
];

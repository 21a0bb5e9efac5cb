// Must NOT compile (adapter-entries.test.mjs checks each misspelling is reported).
import { MemoryTokenStore, authFetch, deviceLogin } from "@authcore/node";
import { gateMiddleware } from "@authcore/node/express";

export const f = authFetch({ tokenEndpont: "https://auth.example.com/token" }, new MemoryTokenStore());
export const d = deviceLogin({ baseUrl: "https://auth.example.com", clientID: "cli" });
export const m = gateMiddleware({ classify: 1 });

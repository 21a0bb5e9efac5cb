// Uses the generated declarations the way a host would; `check_ts.sh` compiles it with
// `tsc --strict` and proves that misspelt members fail.
import type {
  Action,
  Decision,
  DeviceAction,
  GateConfigOptions,
  KeySpec,
  VerifiedToken,
  VerifierConfigOptions,
} from "../../../bindings-node/js/types";

export function subject(v: VerifiedToken): unknown {
  return v.claims["sub"];
}

export function describe(a: Action): string {
  switch (a.type) {
    case "send":
      return `${a.request.method} ${a.request.url} (${a.transmit})`;
    case "save_tokens":
      return `save generation ${a.generation} over ${a.expected_generation}`;
    case "complete":
      return `complete ${a.request_id}: ${a.response.status}`;
    case "failed":
      return `failed: ${a.error.code} ${a.error.detail}`;
    case "load_tokens":
      return "load";
    case "reauthenticate":
      return `sign in again before ${a.expires_at}`;
    case "signed_out":
      return "signed out";
    case "clear_tokens":
      return `clear generation ${a.expected_generation}`;
  }
}

export function wake(a: DeviceAction): number | null {
  return a.type === "wait" ? a.until : null;
}

export function user(d: Decision): string | null {
  return d.type === "allow" ? (d.context.user_id ?? null) : d.error.code;
}

const key: KeySpec = { alg: "HS256", secret: "x".repeat(32) };
export const verifier: VerifierConfigOptions = { algorithms: ["HS256"], maxTokenBytes: 4096, audience: ["api"] };
export const gate: GateConfigOptions = {
  jwt: { config: { algorithms: ["HS256"], maxTokenBytes: 8192 }, keys: [key] },
  routes: [{ path: "/health", access: "public" }],
  identityHeader: "X-Identity",
};

// `@authcore/node/mcp`: a `fetch` wrapper driving the MCP authorization machine (`McpAuth`).
import type { CredentialKey, McpAuthConfigOptions, McpClient, TokenSet } from "./types";

/** One stored entry: the client and tokens for a `(resource, issuer)` key. */
export interface McpStoreEntry {
  key: CredentialKey;
  client?: McpClient;
  tokens?: TokenSet;
}

/** Where `withMcpAuth` keeps clients and tokens (secrets). */
export interface McpStore {
  entries(): Promise<McpStoreEntry[]> | McpStoreEntry[];
  saveClient(key: CredentialKey, client: McpClient): Promise<void> | void;
  saveTokens(key: CredentialKey, tokens: TokenSet): Promise<void> | void;
}

/** Clients and tokens in memory. */
export class McpMemoryStore implements McpStore {
  entries(): Promise<McpStoreEntry[]>;
  saveClient(key: CredentialKey, client: McpClient): Promise<void>;
  saveTokens(key: CredentialKey, tokens: TokenSet): Promise<void>;
}

/** Options of `withMcpAuth`. */
export interface WithMcpAuthOptions {
  /** The MCP endpoint. */
  serverUrl: string;
  /** Where the authorization server sends the browser back. */
  redirectUri: string;
  /** More `McpAuth` options (camelCase): `client`, `clientMetadataUrl`, `clientName`, … */
  config?: Omit<McpAuthConfigOptions, "serverUrl" | "redirectUri">;
  /** Default: `McpMemoryStore`. */
  store?: McpStore;
  /** Opens the authorization URL; resolves to the URL the browser came back to. */
  onAuthorize: (url: string) => Promise<string> | string;
  /** Authorizations one request may go through (default 8). */
  maxRounds?: number;
}

/** A `fetch` for one MCP server, authorized by the MCP authorization machine. */
export function withMcpAuth(fetch: typeof globalThis.fetch, options: WithMcpAuthOptions): typeof globalThis.fetch;

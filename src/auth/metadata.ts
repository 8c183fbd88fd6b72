import { getOAuthProtectedResourceMetadataUrl } from '@modelcontextprotocol/server';

/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728) for the MCP endpoint, as
 * the MCP authorization spec requires: tells a client which authorization
 * server issues tokens for this resource and which scopes exist.
 */
export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  scopes_supported: string[];
  bearer_methods_supported: ['header'];
  resource_name: string;
}

export function protectedResourceMetadata(publicUrl: string, issuer: string | undefined, scopes: readonly string[]): ProtectedResourceMetadata {
  return {
    resource: publicUrl,
    authorization_servers: issuer ? [issuer] : [],
    scopes_supported: [...scopes],
    bearer_methods_supported: ['header'],
    resource_name: 'Taskwire',
  };
}

/**
 * Where the document is served: the path-suffixed form (RFC 9728 section 3.1,
 * `/.well-known/oauth-protected-resource/mcp`), which `resource_metadata` in
 * challenges points to. The bare `/.well-known/oauth-protected-resource` is served too.
 */
export function metadataUrl(publicUrl: string): string {
  return getOAuthProtectedResourceMetadataUrl(new URL(publicUrl));
}

/** The two request paths that answer with the document. */
export function metadataPaths(publicUrl: string): string[] {
  return [new URL(metadataUrl(publicUrl)).pathname, '/.well-known/oauth-protected-resource'];
}

/** `WWW-Authenticate` for a 401/403 (RFC 6750 section 3; RFC 9728 section 5.1). Values are quoted and stripped of quotes. */
export function challenge(
  error: 'invalid_token' | 'insufficient_scope',
  description: string,
  resourceMetadata: string | undefined,
  scopes: readonly string[] = [],
): string {
  const q = (v: string) => `"${v.replace(/["\\]/g, '')}"`;
  const parts = [`error=${q(error)}`, `error_description=${q(description)}`];
  if (scopes.length > 0) parts.push(`scope=${q(scopes.join(' '))}`);
  if (resourceMetadata) parts.push(`resource_metadata=${q(resourceMetadata)}`);
  return `Bearer ${parts.join(', ')}`;
}

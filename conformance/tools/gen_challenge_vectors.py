#!/usr/bin/env python3
"""Writes conformance/vectors/challenge/challenge.json: `WWW-Authenticate` parsing.

Expectations are written by hand from RFC 9110 §11.6.1 (challenge grammar: auth-scheme,
token68 or auth-params, quoted-string with quoted-pair, case-insensitive scheme and parameter
names, list syntax with OWS and empty elements) and RFC 6750 §3 (the Bearer parameters), plus
the parser's documented refusals (core/src/challenge.rs): a duplicate parameter drops its
challenge, a syntax error drops the rest of that header value, a header value over 8192 bytes
is ignored, at most 16 challenges and 32 parameters per challenge.
"""
import os

from vectorlib import case_collector, step, write_suite

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def ch(scheme, token68=None, **params):
    c = {"scheme": scheme}
    if token68 is not None:
        c["token68"] = token68
    c["params"] = params
    return c


def res(scheme, **members):
    return {"scheme": scheme, **members}


def parse(headers, challenges, resource=None):
    return step("challenge.parse", {"headers": headers}, expect={"challenges": challenges, "resource": resource})


def cases():
    out, case = case_collector()
    case("rfc 9110 example: two challenges in one value, an escaped quote, a token value",
         parse(['Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"'],
               [ch("Newauth", realm="apps", type="1", title='Login to "apps"'), ch("Basic", realm="simple")]),
         source="RFC 9110 §11.6.1")
    case("rfc 6750 bearer error challenge",
         parse(['Bearer realm="example", error="invalid_token", error_description="The access token expired"'],
               [ch("Bearer", realm="example", error="invalid_token", error_description="The access token expired")],
               res("Bearer", error="invalid_token", error_description="The access token expired")),
         source="RFC 6750 §3")
    case("mcp step-up challenge with resource metadata and several scopes",
         parse(['Bearer error="insufficient_scope", scope="files:read files:write", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", error_description="Additional file write permission required"'],
               [ch("Bearer", error="insufficient_scope", scope="files:read files:write",
                   resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp",
                   error_description="Additional file write permission required")],
               res("Bearer", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp",
                   scope="files:read files:write", error="insufficient_scope",
                   error_description="Additional file write permission required")),
         source="MCP authorization 2026-07-28, Scope Challenge Handling; RFC 9728 §5.1")
    case("a comma inside a quoted string is part of the value",
         parse(['Basic realm="a, b=c", Bearer scope="x,y"'],
               [ch("Basic", realm="a, b=c"), ch("Bearer", scope="x,y")], res("Bearer", scope="x,y")),
         source="RFC 9110 §5.6.4")
    case("escaped backslash and quote; quoted-pair keeps the escaped character",
         parse(['Bearer error_description="a \\\\ b \\" c \\d"'],
               [ch("Bearer", error_description='a \\ b " c d')], res("Bearer", error_description='a \\ b " c d')),
         source="RFC 9110 §5.6.4 quoted-pair")
    case("scheme and parameter names are case-insensitive; names are lower-cased, values kept",
         parse(['bEaReR Scope="Files:Read", ERROR=invalid_token'],
               [ch("bEaReR", scope="Files:Read", error="invalid_token")],
               res("bEaReR", scope="Files:Read", error="invalid_token")),
         source="RFC 9110 §11.1, §11.2")
    case("optional whitespace around = and commas, empty list elements",
         parse([' ,, Bearer  scope = "a b" ,error=\tinvalid_token ,, , Basic realm=r ,'],
               [ch("Bearer", scope="a b", error="invalid_token"), ch("Basic", realm="r")],
               res("Bearer", scope="a b", error="invalid_token")),
         source="RFC 9110 §5.6.1 (list elements), §11.2 (BWS)")
    case("error_scope is not scope",
         parse(['Bearer error_scope="admin", error="insufficient_scope"'],
               [ch("Bearer", error_scope="admin", error="insufficient_scope")],
               res("Bearer", error="insufficient_scope")),
         source="RFC 6750 §3 parameter names are exact")
    case("a duplicate parameter drops that challenge only",
         parse(['Bearer scope="a", SCOPE="b", Basic realm="r"'], [ch("Basic", realm="r")]),
         parse(['Bearer scope="a", scope="a"'], []),
         source="RFC 9110 §11.2: each parameter name MUST only occur once per challenge")
    case("token68 forms",
         parse(['Negotiate YIIB+/w==, Basic dXNlcjpwYXNz', 'Bearer realm'],
               [ch("Negotiate", "YIIB+/w=="), ch("Basic", "dXNlcjpwYXNz"), ch("Bearer", "realm")],
               res("Bearer")),
         source="RFC 9110 §11.2 token68")
    case("bare schemes in a list",
         parse(['Bearer, Basic, DPoP algs="ES256 PS256"'],
               [ch("Bearer"), ch("Basic"), ch("DPoP", algs="ES256 PS256")], res("Bearer")),
         source="RFC 9110 §11.6.1")
    case("several header values are read in order",
         parse(['Basic realm="r"', 'Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource"'],
               [ch("Basic", realm="r"), ch("Bearer", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource")],
               res("Bearer", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource")),
         source="RFC 9110 §5.3 (a field repeated is one list)")
    case("bearer is preferred over dpop; dpop alone is used",
         parse(['DPoP algs="ES256", error="invalid_token", Bearer scope="s"'],
               [ch("DPoP", algs="ES256", error="invalid_token"), ch("Bearer", scope="s")], res("Bearer", scope="s")),
         parse(['DPoP algs="ES256", error="invalid_token"'],
               [ch("DPoP", algs="ES256", error="invalid_token")], res("DPoP", error="invalid_token")),
         source="RFC 9449 §7.1")
    case("empty and blank header values",
         parse([], []),
         parse(["", "   ", ",,", " , "], []),
         source="RFC 9110 §5.6.1")
    case("an unbalanced quote drops the rest of that value only",
         parse(['Basic realm="r", Bearer scope="a', 'Bearer error="invalid_token"'],
               [ch("Basic", realm="r"), ch("Bearer", error="invalid_token")], res("Bearer", error="invalid_token")),
         source="core/src/challenge.rs: syntax errors")
    case("syntax errors: a parameter without =, a control character, a stray character",
         parse(['Bearer a b'], []),
         parse(['Bearer error_description="a\u0001b"'], []),
         parse(['Basic realm=r, @Bearer scope=s'], [ch("Basic", realm="r")]),
         parse(['Bearer scope="a" junk'], []),
         parse(['"Bearer" scope=a'], []),
         source="RFC 9110 §5.6.4 (qdtext excludes controls); core/src/challenge.rs")
    case("an empty quoted value is a value",
         parse(['Bearer scope="", error=""'], [ch("Bearer", scope="", error="")], res("Bearer", scope="", error="")),
         source="RFC 9110 §5.6.4")
    long_value = 'Bearer error_description="' + "x" * 8200 + '"'
    case("a header value over 8192 bytes is ignored",
         parse([long_value, 'Basic realm="r"'], [ch("Basic", realm="r")]),
         source="core/src/challenge.rs: MAX_HEADER_BYTES")
    many = ", ".join("S%d" % i for i in range(20))
    case("at most 16 challenges are kept",
         parse([many], [ch("S%d" % i) for i in range(16)]),
         source="core/src/challenge.rs: MAX_CHALLENGES")
    params33 = "Bearer " + ", ".join("p%d=v" % i for i in range(33))
    params32 = "Bearer " + ", ".join("p%d=v" % i for i in range(32))
    case("a challenge with more than 32 parameters is dropped",
         parse([params33 + ', Basic realm=r'], [ch("Basic", realm="r")]),
         parse([params32], [ch("Bearer", **{"p%d" % i: "v" for i in range(32)})], res("Bearer")),
         source="core/src/challenge.rs: MAX_PARAMS")
    return out


def main():
    write_suite(os.path.join(ROOT, "vectors", "challenge", "challenge.json"), {
        "suite": "challenge",
        "description": "WWW-Authenticate parsing (RFC 9110 §11.6.1, RFC 6750 §3): several challenges per value and across values, quoted strings with escapes, commas inside quotes, token68, case-insensitive names, duplicate parameters, malformed input.",
        "cases": cases(),
    })


if __name__ == "__main__":
    main()

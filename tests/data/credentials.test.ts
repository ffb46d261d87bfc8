import { describe, expect, it } from "vitest";
import { findCredentials, hostMatches, parseNetrc, redact, redactUrl, registerSecret, requireCredentials } from "../../src/data/credentials";

describe("netrc", () => {
  it("parses machines, default and skips macdef bodies", () => {
    const n = parseNetrc(
      [
        "machine urs.earthdata.nasa.gov login alice password pa55word",
        "macdef init",
        "cd /pub",
        "machine fake login x password y",
        "",
        "machine identity.dataspace.copernicus.eu",
        "  login bob@example.org",
        "  password 'quoted'",
        "default login anon password guest",
      ].join("\n"),
    );
    expect(n.get("urs.earthdata.nasa.gov")).toEqual({ login: "alice", password: "pa55word" });
    expect(n.has("fake")).toBe(false);
    expect(n.get("identity.dataspace.copernicus.eu")).toEqual({ login: "bob@example.org", password: "'quoted'" });
    expect(n.get("default")).toEqual({ login: "anon", password: "guest" });
  });
});

describe("accounts", () => {
  const netrc = parseNetrc("machine urs.earthdata.nasa.gov login alice password from-netrc-pw\nmachine dataspace.copernicus.eu login bob password cdse-netrc-pw");

  it("prefers a token, then username/password from the environment, then ~/.netrc", () => {
    expect(findCredentials("earthdata", { EARTHDATA_TOKEN: "tok-abcdef" }, netrc)).toMatchObject({ token: "tok-abcdef", origin: "$EARTHDATA_TOKEN" });
    expect(findCredentials("earthdata", { EARTHDATA_USERNAME: "u", EARTHDATA_PASSWORD: "env-pw-1234" }, netrc)).toMatchObject({ username: "u", password: "env-pw-1234" });
    expect(findCredentials("earthdata", {}, netrc)).toMatchObject({ username: "alice", password: "from-netrc-pw", origin: "~/.netrc (machine urs.earthdata.nasa.gov)" });
    expect(findCredentials("cdse", {}, netrc)).toMatchObject({ username: "bob", origin: "~/.netrc (machine dataspace.copernicus.eu)" });
    expect(findCredentials("cdse", {}, new Map())).toBeUndefined();
  });

  it("explains how to provide missing credentials without printing any", () => {
    const saved = { ...process.env };
    try {
      for (const k of ["CDSE_USERNAME", "CDSE_PASSWORD", "CDSE_ACCESS_TOKEN"]) delete process.env[k];
      process.env.NETRC = "/nonexistent/.netrc";
      expect(() => requireCredentials("cdse", "s2-zigui-l1c")).toThrow(
        /Dataset s2-zigui-l1c needs a Copernicus Data Space Ecosystem account .*CDSE_USERNAME and CDSE_PASSWORD \(or CDSE_ACCESS_TOKEN\).*machine identity\.dataspace\.copernicus\.eu/,
      );
    } finally {
      process.env = saved;
    }
  });

  it("registers every secret it reads so redact() hides it", () => {
    findCredentials("earthdata", {}, netrc);
    expect(redact("login failed for alice with from-netrc-pw")).toBe("login failed for alice with ***");
    registerSecret("abc"); // too short to redact safely
    expect(redact("abc")).toBe("abc");
  });

  it("redacts credentials and signatures in URLs", () => {
    expect(redactUrl("https://u:p@x.org/a?X-Amz-Signature=sig&X-Amz-Credential=cred&id=7")).toBe(
      "https://***:***@x.org/a?X-Amz-Signature=***&X-Amz-Credential=***&id=***",
    );
    expect(redactUrl("https://asf.alaska.edu/cb?code=abc123&state=ok")).toBe("https://asf.alaska.edu/cb?code=***&state=***");
  });

  it("redacts every query value (Azure sig=, X-Amz-*, t= tokens) keeping the names, and userinfo", () => {
    const sas = "https://acct.blob.core.windows.net/c/f.zip?sv=2022-11-02&se=2030-01-01&sr=b&sp=r&sig=AbC%2Bd%3D";
    expect(redactUrl(sas)).toBe("https://acct.blob.core.windows.net/c/f.zip?sv=***&se=***&sr=***&sp=***&sig=***");
    expect(redactUrl("https://cdn.example.org/f?t=0123456789abcdef&e=1700000000")).toBe("https://cdn.example.org/f?t=***&e=***");
    expect(redactUrl("https://s3.example.org/b/k?X-Amz-Security-Token=FQoG&X-Amz-Date=20240101T000000Z")).toBe(
      "https://s3.example.org/b/k?X-Amz-Security-Token=***&X-Amz-Date=***",
    );
    // Names without values stay as they are; userinfo alone is masked; fragments (OAuth implicit) too.
    expect(redactUrl("https://user:pw@x.org/a?download&x=")).toBe("https://***:***@x.org/a?download&x=");
    expect(redactUrl("https://x.org/cb#access_token=eyJ&state=1")).toBe("https://x.org/cb#access_token=***&state=***");
  });

  it("redacts URLs inside free-text messages, keeping the sentence around them", () => {
    const msg = "HTTP 403 Forbidden for https://u:pw@b.example.org/f?sig=s3cr3tSIG&t=tok1 (after a redirect from http://a.org/x?code=c0de).";
    const out = redact(msg);
    expect(out).toBe("HTTP 403 Forbidden for https://***:***@b.example.org/f?sig=***&t=*** (after a redirect from http://a.org/x?code=***).");
    for (const secret of ["s3cr3tSIG", "tok1", "c0de", ":pw@"]) expect(out).not.toContain(secret);
    expect(redact("no url here: ENOENT, open 'a?b=c'")).toBe("no url here: ENOENT, open 'a?b=c'");
  });

  it("matches host suffixes only at a dot boundary", () => {
    expect(hostMatches("datapool.asf.alaska.edu", [".asf.alaska.edu"])).toBe(true);
    expect(hostMatches("asf.alaska.edu", [".asf.alaska.edu"])).toBe(true);
    expect(hostMatches("evilasf.alaska.edu", [".asf.alaska.edu"])).toBe(false);
    expect(hostMatches("asf.alaska.edu.evil.com", [".asf.alaska.edu"])).toBe(false);
  });
});

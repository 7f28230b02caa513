/**
 * Configuration objects never print a secret: `JSON.stringify`, `String`, template strings,
 * `util.inspect` (also with `showHidden`), `Deno.inspect` and `console.log` all show `***`
 * for secret-like keys and credentials inside strings, while `getEntry` still returns them.
 */
import { describe, it } from "node:test";
import { inspect } from "node:util";
import { expect } from "expect";
import { ConfigProvider, ConfigurationBase, DefaultDataConfiguration } from "../../config/mod.ts";
import { isSecretKey, redactDeep } from "../../redact.ts";
import { withTempDir, writeFiles } from "./_helpers.ts";

const SECRETS = {
  secret: "s3cr3t-LITERAL-1",
  password: "pw-LITERAL-2",
  token: "tok-LITERAL-3",
  sas_token: "sv=2024&sig=LITERAL-4",
  connection_string: "AccountName=a;AccountKey=LITERAL-5==",
  account_key: "LITERAL-6",
  auth: "LITERAL-7",
  bearer: "LITERAL-8",
  authorization: "Basic LITERAL-9",
  cookie: "sid=LITERAL-10",
  session: "LITERAL-11",
  secret_key: "LITERAL-12",
  masterKey: "LITERAL-13",
};
const EMBEDDED = {
  endpoint: "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=LITERAL-14==",
  url: "postgres://user:LITERAL-15@db.local/x",
};

/** Every way a configuration object can end up in a log, a notebook or a bug report. */
function printed(value: unknown): string[] {
  const views = [
    String(value),
    `${value}`,
    JSON.stringify(value),
    JSON.stringify({ nested: value }),
    inspect(value),
    inspect(value, { depth: Infinity }),
    inspect(value, { depth: 10, showHidden: true }),
    inspect({ nested: [value] }, { depth: Infinity }),
  ];
  const deno = (globalThis as { Deno?: { inspect(v: unknown, o?: unknown): string } }).Deno;
  if (deno !== undefined) {
    views.push(deno.inspect(value), deno.inspect(value, { depth: Infinity, showHidden: true }));
  }
  return views;
}

function secretsIn(text: string): string[] {
  return [...Object.values(SECRETS), ...Object.values(EMBEDDED)]
    .flatMap((v) => v.match(/LITERAL-\d+/g) ?? [])
    .filter((s) => new RegExp(`${s}(?!\\d)`).test(text));
}

describe("configuration objects redact secrets in every printing path", () => {
  for (const Class of [ConfigurationBase, DefaultDataConfiguration]) {
    it(`${Class.name}: JSON, String, util.inspect and Deno.inspect show ***`, () => {
      withTempDir((dir) => {
        writeFiles(dir, {
          "config.json": {
            data: "data",
            remote_storage: { provider: "s3", bucket: "b", key: "AKIAVISIBLE", ...SECRETS },
          },
          "config_local.json": { service: { ...EMBEDDED, nested: [{ password: "LITERAL-16" }] } },
        });
        const config = new Class({ configDirectory: dir });
        for (const view of printed(config)) {
          expect(secretsIn(view)).toEqual([]);
          expect(view.includes("LITERAL-16")).toBe(false);
          expect(view).toContain("***");
          expect(view).toContain("AKIAVISIBLE"); // the access key id is not a secret
          if (!view.startsWith("{")) expect(view).toContain(Class.name);
        }
        // the values stay readable
        expect(config.getEntry(["remote_storage", "secret"])).toBe(SECRETS.secret);
        expect(config.getEntry(["service", "endpoint"])).toBe(EMBEDDED.endpoint);
        expect(config.getEntry(["remote_storage", "auth"])).toBe(SECRETS.auth);
        const json = JSON.parse(JSON.stringify(config));
        expect(json.config.remote_storage.secret).toBe("***");
        expect(json.config.service.endpoint).toBe(
          "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=***",
        );
        expect(json.config.service.url).toBe("postgres://user:***@db.local/x");
        expect(json.loadedFiles).toEqual(config.loadedFiles);
      });
    });
  }

  it("a subclass with getters and a provider-cached instance redact as well", () => {
    withTempDir((dir) => {
      writeFiles(dir, { "config.json": { remote_storage: { secret: "LITERAL-1" } } });
      class MyConfig extends ConfigurationBase {
        get secret(): string {
          return this.getEntry<string>(["remote_storage", "secret"]);
        }
      }
      const provider = new ConfigProvider(MyConfig);
      const config = provider.getConfig({ configDirectory: dir });
      expect(config.secret).toBe("LITERAL-1");
      for (const view of [...printed(config), ...printed(provider)]) {
        expect(view.includes("LITERAL-1")).toBe(false);
      }
      expect(String(config)).toMatch(/^MyConfig /);
    });
  });
});

describe("one redaction module", () => {
  it("knows the secret-like keys of issues #15 and #16", () => {
    for (
      const k of [
        "secret",
        "sas_token",
        "connection_string",
        "account_key",
        "auth",
        "bearer",
        "authorization",
        "Authorization",
        "cookie",
        "session",
        "secret_key",
        "masterKey",
        "storage_key",
        "sharedKey",
      ]
    ) expect([k, isSecretKey(k)]).toEqual([k, true]);
    for (const k of ["key", "access_key_id", "keyboard", "bucket", "base_path", "monkey"]) {
      expect([k, isSecretKey(k)]).toEqual([k, false]);
    }
  });

  it("masks AccountKey= inside any string, at any depth", () => {
    expect(redactDeep({ a: [{ b: "X=1;AccountKey=abc;Y=2" }] })).toEqual({
      a: [{ b: "X=1;AccountKey=***;Y=2" }],
    });
  });
});

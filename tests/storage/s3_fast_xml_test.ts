/**
 * The lean S3 path's XML reader (`storage/stores/_s3_xml.ts`): entities, numeric
 * references, CDATA, comments, attributes, line ends, malformed input, and the
 * `ListBucketResult` mapping. No server needed.
 */
import { describe, it } from "node:test";
import { expect } from "expect";
import {
  childText,
  decodeXmlText,
  parseListObjectsV2,
  parseXml,
} from "../../storage/stores/_s3_xml.ts";

const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';

function contents(key: string, extra = ""): string {
  return `<Contents><Key>${key}</Key><LastModified>2025-11-25T16:20:00.123Z</LastModified>` +
    `<ETag>&quot;0f343b0931126a20f133d67c2b018a3b&quot;</ETag><Size>1024</Size>` +
    `<StorageClass>STANDARD</StorageClass><Owner><ID>test</ID><DisplayName>t</DisplayName>` +
    `</Owner>${extra}</Contents>`;
}

describe("decodeXmlText", () => {
  it("decodes the five predefined entities and numeric references", () => {
    expect(decodeXmlText("&amp;&lt;&gt;&quot;&apos;")).toBe(`&<>"'`);
    expect(decodeXmlText("a&#32;b&#x20;c&#X20;")).toBe("a b c&#X20;"); // `&#X` is not XML
    expect(decodeXmlText("&#x1F389; &#127881; &#xE4;&#228;")).toBe("🎉 🎉 ää");
    expect(decodeXmlText("&#13;&#10;&#9;")).toBe("\r\n\t");
  });

  it("leaves unknown or invalid references alone", () => {
    expect(decodeXmlText("&nbsp; &amp &#xFFFFFF; & x;")).toBe("&nbsp; &amp &#xFFFFFF; & x;");
    expect(decodeXmlText("&amp;amp;")).toBe("&amp;"); // decoded once, not twice
  });
});

describe("parseXml", () => {
  it("reads elements, text, CDATA, comments, attributes and self-closing tags", () => {
    const root = parseXml(
      `<?xml version="1.0" encoding="UTF-8"?>\n<!-- hi --><R a="1>2" b='x'>` +
        `<A>one &amp; <![CDATA[<two> & three]]></A><B/><C x="y" /><D>  </D></R>\n`,
    );
    expect(root.name).toBe("R");
    expect(root.children.map((c) => c.name)).toEqual(["A", "B", "C", "D"]);
    expect(childText(root, "A")).toBe("one & <two> & three");
    expect(childText(root, "B")).toBe("");
    expect(childText(root, "D")).toBe("  ");
    expect(childText(root, "E")).toBeUndefined();
  });

  it("normalises line ends like XML; a CR written as &#13; survives", () => {
    const root = parseXml("<R><A>a\r\nb\rc</A><B>x&#13;y</B></R>");
    expect(childText(root, "A")).toBe("a\nb\nc");
    expect(childText(root, "B")).toBe("x\ry");
  });

  it("accepts whitespace in end tags and namespace prefixes", () => {
    const root = parseXml("<s:R><s:A>v</s:A ></s:R>");
    expect(root.name).toBe("s:R");
    expect(childText(root, "s:A")).toBe("v");
  });

  it("refuses malformed documents", () => {
    for (
      const bad of [
        "",
        "   ",
        "text",
        "<A>",
        "<A></B>",
        "<A><B></A></B>",
        "<A></A><B></B>",
        "<A></A>tail",
        "<!DOCTYPE x [<!ENTITY e 'boom'>]><A>&e;</A>",
        "<A><!-- open </A>",
        '<A b="1></A>',
      ]
    ) {
      expect(() => parseXml(bad)).toThrow(SyntaxError);
    }
  });
});

describe("parseListObjectsV2", () => {
  it("maps Contents and the continuation of a truncated page", () => {
    const page = parseListObjectsV2(
      `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult ${NS}><Name>b</Name>` +
        `<Prefix>p/</Prefix><KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys>` +
        `<IsTruncated>true</IsTruncated>` + contents("p/a b.txt") +
        contents("p/&#x65E5;&#26412; &amp; &lt;x&gt; &quot;q&quot; &apos;s&apos;.bin") +
        `<NextContinuationToken>1/a+b=&amp;c</NextContinuationToken></ListBucketResult>`,
    );
    expect(page.nextToken).toBe("1/a+b=&c");
    expect(page.objects).toEqual([
      {
        key: "p/a b.txt",
        size: 1024,
        etag: '"0f343b0931126a20f133d67c2b018a3b"',
        lastModified: new Date("2025-11-25T16:20:00.123Z"),
      },
      {
        key: `p/日本 & <x> "q" 's'.bin`,
        size: 1024,
        etag: '"0f343b0931126a20f133d67c2b018a3b"',
        lastModified: new Date("2025-11-25T16:20:00.123Z"),
      },
    ]);
  });

  it("ends on a page that is not truncated, and handles an empty listing", () => {
    const last = parseListObjectsV2(
      `<ListBucketResult ${NS}><IsTruncated>false</IsTruncated>${contents("k")}` +
        `<NextContinuationToken>ignored</NextContinuationToken></ListBucketResult>`,
    );
    expect(last.nextToken).toBeUndefined();
    expect(last.objects.map((o) => o.key)).toEqual(["k"]);
    const empty = parseListObjectsV2(
      `<ListBucketResult ${NS}><Name>b</Name><KeyCount>0</KeyCount>` +
        `<IsTruncated>false</IsTruncated></ListBucketResult>`,
    );
    expect(empty).toEqual({ objects: [], nextToken: undefined });
  });

  it("keeps whitespace-only and entity-only keys exactly", () => {
    const page = parseListObjectsV2(
      `<ListBucketResult><IsTruncated>false</IsTruncated>${contents(" ")}${contents("&#10;")}` +
        `${contents("a&#9;b")}</ListBucketResult>`,
    );
    expect(page.objects.map((o) => o.key)).toEqual([" ", "\n", "a\tb"]);
  });

  it("tolerates missing optional fields and refuses other documents", () => {
    const page = parseListObjectsV2(
      "<ListBucketResult><Contents><Key>x</Key></Contents><Contents><Size>1</Size></Contents>" +
        "</ListBucketResult>",
    );
    expect(page.objects).toEqual([
      { key: "x", size: 0, etag: undefined, lastModified: undefined },
    ]);
    expect(() => parseListObjectsV2("<Error><Code>NoSuchBucket</Code></Error>")).toThrow(
      SyntaxError,
    );
  });

  it("reads the same from bytes as from text, also pages the fast path hands to the tree", () => {
    const pages = [
      `<?xml version="1.0"?>\n<ListBucketResult ${NS}><IsTruncated>true</IsTruncated>` +
      contents("a &amp; b") + contents("日本.txt") +
      "<NextContinuationToken>n&amp;1</NextContinuationToken></ListBucketResult>",
      // CDATA, comments and carriage returns: the element tree reads them
      `<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key><![CDATA[c<d]]></Key>` +
      "<Size>2</Size></Contents><!-- x --></ListBucketResult>",
      "<ListBucketResult><Contents><Key>a\r\nb</Key><Size>1</Size></Contents></ListBucketResult>",
      '<ListBucketResult><Contents a="1"><Key>k</Key></Contents></ListBucketResult>',
    ];
    for (const xml of pages) {
      const fromBytes = parseListObjectsV2(new TextEncoder().encode(xml));
      expect(fromBytes).toEqual(parseListObjectsV2(xml));
    }
    expect(parseListObjectsV2(pages[0]).objects.map((o) => o.key)).toEqual(["a & b", "日本.txt"]);
    expect(parseListObjectsV2(pages[0]).nextToken).toBe("n&1");
    expect(parseListObjectsV2(pages[1]).objects.map((o) => o.key)).toEqual(["c<d"]);
    expect(parseListObjectsV2(pages[2]).objects.map((o) => o.key)).toEqual(["a\nb"]);
    expect(parseListObjectsV2(pages[3]).objects.map((o) => o.key)).toEqual(["k"]);
  });

  it("parses a 1000-key page quickly", () => {
    const xml = `<ListBucketResult ${NS}><IsTruncated>true</IsTruncated>` +
      Array.from({ length: 1000 }, (_, i) => contents(`perf/${i} &amp;.bin`)).join("") +
      "<NextContinuationToken>t</NextContinuationToken></ListBucketResult>";
    for (let i = 0; i < 5; i++) parseListObjectsV2(xml); // warm up
    const t0 = performance.now();
    const page = parseListObjectsV2(xml);
    const ms = performance.now() - t0;
    expect(page.objects.length).toBe(1000);
    expect(page.objects[999].key).toBe("perf/999 &.bin");
    expect(ms).toBeLessThan(100); // a few ms; generous for loaded CI machines
  });
});

package awareness_test

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"

	"github.com/drentse-aanpak/ambitiebot/internal/awareness"
	"github.com/drentse-aanpak/ambitiebot/messages"
)

// A message with everything the exports must handle: HTML special
// characters in the title, the body and the organisation's name, lists,
// strong and emphasised text, code, a link and a rule.
const exportFile = `---
id: export
title: Fraude <script>alert(1)</script> & "zo"
title_en: Fraud & co
theme: integriteit
---
Een **vette** zin met *nadruk*, ` + "`code`" + ` en een [link](https://example.org/a?b=1&c=<2>).
Tweede regel <b>geen html</b>.

**Herken de signalen**
- punt één
- punt *twee*
  loopt door

1. eerste
2. tweede

---

## Kopje
Slot [geen link](javascript:alert(1)).
---en---
English **body**.
`

func TestExport(t *testing.T) {
	tr := translator(t)
	m, err := awareness.Parse("export.md", []byte(exportFile))
	if err != nil {
		t.Fatal(err)
	}
	const org = `Gemeente <Emmen> & "Co"`

	md := string(m.Export(awareness.FormatMarkdown, "nl", org, tr))
	if md != m.RenderFor("nl", org, tr)+"\n" || !strings.Contains(md, "veiligheidsfunctionaris van "+org) {
		t.Errorf("markdown:\n%s", md)
	}
	if generic := string(m.Export(awareness.FormatMarkdown, "nl", "", tr)); !strings.Contains(generic, "van je eigen organisatie") {
		t.Errorf("generic footer:\n%s", generic)
	}

	page := string(m.Export(awareness.FormatHTML, "nl", org, tr))
	for _, want := range []string{
		"<!DOCTYPE html>\n<html lang=\"nl\">",
		"<meta charset=\"utf-8\">",
		"<title>Fraude &lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;zo&#34;</title>",
		"<h1>Fraude &lt;script&gt;",
		"<p>Een <strong>vette</strong> zin met <em>nadruk</em>, <code>code</code> en een <a href=\"https://example.org/a?b=1&amp;c=&lt;2&gt;\">link</a>.<br>\nTweede regel &lt;b&gt;geen html&lt;/b&gt;.</p>",
		"<p><strong>Herken de signalen</strong></p>\n<ul>\n<li>punt één</li>\n<li>punt <em>twee</em> loopt door</li>\n</ul>",
		"<ol>\n<li>eerste</li>\n<li>tweede</li>\n</ol>",
		"<hr>\n<h2>Kopje</h2>",
		"Slot [geen link](javascript:alert(1)).",
		"veiligheidsfunctionaris van Gemeente &lt;Emmen&gt; &amp; &#34;Co&#34;.</em></p></footer>",
		"</article>\n</body>\n</html>\n",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("HTML lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, "<script>") || strings.Contains(page, "<b>") || strings.Contains(page, "href=\"javascript") {
		t.Errorf("HTML lets markup through:\n%s", page)
	}
	wellFormed(t, page)

	text := string(m.Export(awareness.FormatText, "nl", org, tr))
	for _, want := range []string{
		"Fraude <script>alert(1)</script> & \"zo\"\n\nEen vette zin met nadruk, code en een link (https://example.org/a?b=1&c=<2>).\n",
		"Herken de signalen\n\n• punt één\n• punt twee loopt door\n\n1. eerste\n2. tweede\n\n",
		"Kopje\n\nSlot",
		"veiligheidsfunctionaris van " + org + ".\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	for _, marker := range []string{"**", "##", "- punt", "`", "](http"} {
		if strings.Contains(text, marker) {
			t.Errorf("text keeps the Markdown %q:\n%s", marker, text)
		}
	}

	en := string(m.Export(awareness.FormatHTML, "en", org, tr))
	if !strings.Contains(en, "<html lang=\"en\">") || !strings.Contains(en, "<p>English <strong>body</strong>.</p>") ||
		!strings.Contains(en, "security officer of Gemeente &lt;Emmen&gt;") {
		t.Errorf("English HTML:\n%s", en)
	}
}

// Every shipped message exports to well-formed HTML and to text without
// Markdown strong markers.
func TestExportShipped(t *testing.T) {
	tr := translator(t)
	lib, err := awareness.Load(messages.FS, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range lib.All() {
		for _, lang := range []string{"nl", "en"} {
			wellFormed(t, string(m.Export(awareness.FormatHTML, lang, "Gemeente Emmen", tr)))
			if text := string(m.Export(awareness.FormatText, lang, "Gemeente Emmen", tr)); strings.Contains(text, "**") || strings.Contains(text, "\n- ") {
				t.Errorf("%s %s: text keeps Markdown:\n%s", m.ID, lang, text)
			}
		}
	}
	for _, name := range []string{"md", "HTML", " txt "} {
		if _, ok := awareness.ParseFormat(name); !ok {
			t.Errorf("ParseFormat(%q) refused", name)
		}
	}
	if _, ok := awareness.ParseFormat("pdf"); ok {
		t.Error("ParseFormat(pdf) accepted")
	}
}

// wellFormed checks that page parses as XML once its void elements are
// closed: every element it opens, it closes, and nothing is left raw.
func wellFormed(t *testing.T, page string) {
	t.Helper()
	x := strings.NewReplacer("<!DOCTYPE html>", "", "<br>", "<br/>", "<hr>", "<hr/>", `<meta charset="utf-8">`, `<meta charset="utf-8"/>`).Replace(page)
	d := xml.NewDecoder(strings.NewReader(x))
	d.Strict = true
	d.Entity = xml.HTMLEntity
	for {
		_, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("HTML is not well formed: %v\n%s", err, page)
		}
	}
}

package web

import (
	"context"
	"io"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// firstLoad fetches what a browser's first visit to the sign-in page
// fetches (the page, the bundle's script and style sheets, the favicon)
// with the given Accept-Encoding, and returns the bytes sent.
func firstLoad(tb testing.TB, base string, b bundle, accept string) int64 {
	var total int64
	for _, p := range append([]string{"/signin", b.Script, "/favicon.svg"}, b.Styles...) {
		req, _ := http.NewRequest("GET", base+p, nil)
		req.Header.Set("Accept-Encoding", accept)
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			tb.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			tb.Fatalf("%s: %d", p, res.StatusCode)
		}
		total += n
	}
	return total
}

// BenchmarkFirstLoad measures a first visit's bytes and time over
// loopback: the sign-in page with the bundle, favicon and style sheet, as
// a browser that accepts brotli gets them and as one that accepts no
// compression (the reference, in the same process). With Chromium it also
// loads the page in the browser, cache disabled, and reports the bytes
// transferred and the time to the load event for both.
func BenchmarkFirstLoad(b *testing.B) {
	f := newFixture(b)
	if !f.srv.built {
		b.Skip("the UI bundle is not built: run `make ui`")
	}
	for _, c := range []struct{ name, accept string }{{"identity", "identity"}, {"gzip", "gzip"}, {"br", "br, gzip"}} {
		b.Run("http/"+c.name, func(b *testing.B) {
			var n int64
			for b.Loop() {
				n = firstLoad(b, f.ts.URL, f.srv.bundle, c.accept)
			}
			ref := firstLoad(b, f.ts.URL, f.srv.bundle, "identity")
			b.ReportMetric(float64(n), "bytes/load")
			b.ReportMetric(float64(n)/float64(ref), "x-identity-bytes")
		})
	}
	for _, c := range []struct{ name, accept string }{{"identity", "identity"}, {"br", "gzip, deflate, br"}} {
		b.Run("chromium/"+c.name, func(b *testing.B) {
			path := ""
			for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
				if _, err := os.Stat(p); err == nil {
					path = p
				}
			}
			if path == "" {
				b.Skip("no Chromium")
			}
			actx, cancel := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox)...)
			defer cancel()
			ctx, cancel := chromedp.NewContext(actx)
			defer cancel()
			var pair []float64
			for b.Loop() {
				headers := network.Headers{"Accept-Encoding": c.accept}
				err := chromedp.Run(ctx, network.Enable(), network.SetCacheDisabled(true), network.SetExtraHTTPHeaders(headers),
					chromedp.Navigate(f.ts.URL+"/signin"),
					chromedp.Evaluate(`new Promise((ok) => { const done = () => setTimeout(() => { const n = performance.getEntriesByType('navigation')[0]; ok([[n, ...performance.getEntriesByType('resource')].reduce((s, e) => s + e.transferSize, 0), n.loadEventEnd]) }, 50); document.readyState === 'complete' ? done() : addEventListener('load', done) })`, &pair, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
				if err != nil {
					b.Fatal(err)
				}
			}
			if len(pair) != 2 {
				b.Fatalf("the page measured %v", pair)
			}
			b.ReportMetric(pair[0], "bytes/load")
			b.ReportMetric(pair[1], "ms-to-load")
			b.Logf("%s: %.0f bytes transferred, load event at %v", c.name, pair[0], time.Duration(pair[1]*float64(time.Millisecond)).Round(time.Millisecond))
		})
	}
}

package browser

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/chromedp/chromedp"
)

// flags is Chromium's command line; docs/decisions.md ("Issue 12: the
// Chromium driver") says why each flag is there.
func (b *Browser) flags(dir string) []chromedp.ExecAllocatorOption {
	o := b.o
	f := map[string]any{
		"headless": true,
		// Chromium refuses to start its sandbox as root; elsewhere it keeps
		// it (a container whose seccomp profile blocks it passes
		// --no-sandbox through VELLUM_CHROMIUM_FLAGS, as the Dockerfile does).
		"no-sandbox":      os.Geteuid() == 0,
		"disable-gpu":     true,
		"user-data-dir":   dir,
		"window-size":     fmt.Sprintf("%d,%d", o.Width, o.Height),
		"hide-scrollbars": true,
		"mute-audio":      true,
		// Nothing may escape recording: every request goes to the proxy,
		// loopback too (Chromium bypasses proxies for loopback by default).
		"proxy-bypass-list":   "<-loopback>;" + strings.Join(serviceHosts, ";"),
		"host-resolver-rules": serviceHostRules(o.ExtraFlags["host-resolver-rules"]),
		"disable-quic":        true,
		// Background traffic off: none of it is the page's.
		"disable-background-networking":                      true,
		"disable-component-update":                           true,
		"disable-sync":                                       true,
		"no-first-run":                                       true,
		"no-default-browser-check":                           true,
		"disable-default-apps":                               true,
		"disable-extensions":                                 true,
		"disable-component-extensions-with-background-pages": true,
		"disable-domain-reliability":                         true,
		"disable-client-side-phishing-detection":             true,
		"safebrowsing-disable-auto-update":                   true,
		"dns-prefetch-disable":                               true,
		"metrics-recording-only":                             true,
		"no-pings":                                           true,
		"disable-breakpad":                                   true,
		"no-service-autorun":                                 true,
		"password-store":                                     "basic",
		"use-mock-keychain":                                  true,
		"disable-features": strings.Join([]string{
			"Translate", "OptimizationHints", "OptimizationGuideModelDownloading",
			"OptimizationHintsFetching", "OptimizationTargetPrediction", "MediaRouter",
			"DialMediaRouteProvider", "InterestFeedContentSuggestions", "SafeBrowsing",
			"AutofillServerCommunication", "CertificateTransparencyComponentUpdater",
			"NetworkTimeServiceQuerying", "PrivacySandboxSettings4", "SpareRendererForSitePerProcess",
			// One renderer per tab, iframes in it: the tab's Network
			// events then cover its iframes, for the quiet-network wait.
			"IsolateOrigins", "site-per-process",
		}, ","),
		"disable-site-isolation-trials": true,
		// Tabs load side by side in the background: keep their timers and
		// rendering going, and let a busy page finish rather than be
		// reported as hung by Chromium itself.
		"disable-background-timer-throttling":    true,
		"disable-backgrounding-occluded-windows": true,
		"disable-renderer-backgrounding":         true,
		"disable-hang-monitor":                   true,
		"disable-ipc-flooding-protection":        true,
		"disable-dev-shm-usage":                  true, // Docker's /dev/shm is 64 MB
		"disable-prompt-on-repost":               true,
		"deny-permission-prompts":                true,
		"disable-search-engine-choice-screen":    true,
		"force-color-profile":                    "srgb",
		"ignore-certificate-errors-spki-list":    strings.Join(o.SPKI, ","),
		"proxy-server":                           o.Proxy,
		"user-agent":                             o.UserAgent,
	}
	for k, v := range o.ExtraFlags {
		if k != "host-resolver-rules" {
			f[k] = v
		}
	}
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(o.Path)}
	for k, v := range f {
		if s, ok := v.(string); ok && s == "" {
			continue // not set: no proxy in a test, no SPKI list, Chromium's user agent
		}
		if v == false {
			continue
		}
		opts = append(opts, chromedp.Flag(k, v))
	}
	return opts
}

// serviceHosts are the hosts Chromium calls on its own although every flag
// that turns background traffic off is given (Chromium 156): the manifest of
// the on-device model, fetched "on demand" from update.googleapis.com in
// spite of --disable-component-update, and the account list that the
// identity manager asks accounts.google.com for at every profile start. No
// flag or command-line policy stops them, so they go to no proxy and their
// names resolve to nothing: they never leave the machine and never reach the
// recording proxy (which would archive Google's answers). The other names
// are the rest of Chromium's update and safe-browsing endpoints, in case a
// later version calls them too. Pages do not load from these hosts, but for
// "Sign in with Google" scripts (accounts.google.com/gsi), which the static
// requisites pass still fetches.
var serviceHosts = []string{
	"update.googleapis.com", "accounts.google.com", "clients2.google.com",
	"clientservices.googleapis.com", "optimizationguide-pa.googleapis.com",
	"content-autofill.googleapis.com", "safebrowsing.googleapis.com",
	"redirector.gvt1.com", "edgedl.me.gvt1.com",
}

// serviceHostRules maps serviceHosts to nothing, ahead of the rules a test
// gives (the first rule that matches wins).
func serviceHostRules(extra any) string {
	rules := make([]string, 0, len(serviceHosts)+1)
	for _, h := range serviceHosts {
		rules = append(rules, "MAP "+h+" ~NOTFOUND")
	}
	if s, ok := extra.(string); ok && s != "" {
		rules = append(rules, s)
	}
	return strings.Join(rules, ", ")
}

// preferences are the profile's settings that no flag reaches. WebRTC
// sends UDP around any proxy (a STUN request to whatever address a page's
// script names, 169.254.169.254 included), unrecorded and past the SSRF
// guard of captures asked for over the API: its UDP goes through the proxy
// only, which takes none. (The --force-webrtc-ip-handling-policy flag does
// not do it in Chromium 156; the preference does.)
const preferences = `{"webrtc":{"ip_handling_policy":"disable_non_proxied_udp"}}`

// writePreferences writes preferences into the profile dir, before
// Chromium starts with it.
func writePreferences(dir string) error {
	if err := os.MkdirAll(filepath.Join(dir, "Default"), 0o700); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "Default", "Preferences"), []byte(preferences), 0o600)
}

// Package netguard keeps captures asked for over the network (the API and
// the Save Page Now form of `vellum serve`) from reaching the machine's own
// network: a Guard, built from the --allow-targets list, refuses a
// connection to a loopback, private, link-local, cloud-metadata, CGNAT,
// multicast or otherwise non-public address that the list does not cover.
//
// Its seam is net.Dialer.Control: the check runs on the IP address the
// dialer is about to connect to, after name resolution, so every
// connection is covered (pages, requisites, robots.txt, each redirect hop,
// the browser's requests through the recording proxy) and a name that
// resolves to a public address once and to a private one the next time
// (DNS rebinding) is refused the second time. The capture engine is given
// the dialer (capture.Config.Dialer); `vellum capture` runs without one.
//
//	g, err := netguard.Parse("127.0.0.2/32,10.0.0.0/8") // --allow-targets
//	cfg.Dialer = g.Dialer(nil)                          // nil: the system resolver
//
// A refusal is a *RefusedError naming the address and its range.
package netguard

// Package e2e is the black-box end-to-end suite of the Garçon API: it knows only URLs,
// never the code, and runs against whatever answers at GARCON_E2E_BASE_URL.
//
//	GARCON_E2E_BASE_URL       the API, e.g. https://staging-api.garcon.app (unset: every test skips)
//	GARCON_E2E_RESTAURANT_ID  a restaurant whose menu exists there (required with the URL)
//	GARCON_E2E_STATIC_URL     the static-assets host, e.g. https://static.garcon.app (optional)
//
// Always: /health and its dependency report, a menu read and its X-Cache header, the JSON
// error body of a bad id, of an unauthenticated write, of an unknown route and of a wrong
// method. Only when the base URL is https (a deployed environment): HSTS, TLS >= 1.2 (a
// TLS 1.1 handshake is refused), the HTTP -> HTTPS redirect, and the static host's
// security headers and redirect.
//
// CI runs it against the binary started on loopback (`make e2e-local`, the e2e/local
// command); the deploy workflow runs it against the environment it has just deployed
// (scripts/e2e.sh), where a failure stops the promotion and the job summary names the
// failing check. The suite never writes: the unauthenticated write is refused before the
// handler reads its body.
package e2e

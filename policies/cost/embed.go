// Package cost embeds the platform's Rego cost policies (policies/cost/*.rego) so the cost gate
// ships them in its binary. The policies follow Infracost's own convention — package infracost,
// `data.infracost.deny` yielding {"msg": string, "failed": bool} — so the same directory also works
// with `infracost comment github --policy-path policies/cost`. It holds no logic: the evaluation
// lives in tools/internal/cost.
package cost

import "embed"

// Files holds the policies and their *_test.rego unit tests, at the root of the FS.
//
//go:embed *.rego
var Files embed.FS

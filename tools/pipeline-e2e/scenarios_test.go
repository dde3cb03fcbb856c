package pipelinee2e

import "testing"

// scenarios are the six runs of docs/pipelines-act.md, each a test (make test) and a benchmark (make bench:
// the wall time of each on this machine).
var scenarios = []struct {
	name string
	run  func(testing.TB)
}{
	{"1_pull_request_clean", scenarioPullRequestClean},
	{"2_push_deploy", scenarioPushDeploy},
	{"3_push_policy_violation", scenarioPushPolicyViolation},
	{"4_pull_request_cost_blocked", scenarioPullRequestCostBlocked},
	{"5_fork_pull_request", scenarioForkPullRequest},
	{"6_scheduled_template_upgrade", scenarioScheduledTemplateUpgrade},
}

func TestPullRequestClean(t *testing.T)         { scenarioPullRequestClean(t) }
func TestPushDeploy(t *testing.T)               { scenarioPushDeploy(t) }
func TestPushPolicyViolation(t *testing.T)      { scenarioPushPolicyViolation(t) }
func TestPullRequestCostBlocked(t *testing.T)   { scenarioPullRequestCostBlocked(t) }
func TestForkPullRequest(t *testing.T)          { scenarioForkPullRequest(t) }
func TestScheduledTemplateUpgrade(t *testing.T) { scenarioScheduledTemplateUpgrade(t) }

// BenchmarkScenario runs each scenario with all its act runs and assertions (-benchtime 1x: once) and
// reports its wall time in seconds; the package's shared set-up (the platform release, the rendered case)
// is outside every scenario, as in `make test`.
func BenchmarkScenario(b *testing.B) {
	for _, s := range scenarios {
		b.Run(s.name, func(b *testing.B) {
			for b.Loop() {
				s.run(b)
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "wall_s")
		})
	}
}

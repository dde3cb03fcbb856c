package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// Health is the body of /healthz and /readyz.
type Health struct {
	Status string `json:"status" enum:"ok,ready" doc:"ok when alive, ready when the store answers."`
}

type healthOutput struct {
	CacheControl string `header:"Cache-Control" hidden:"true"`
	Body         Health
}

func registerHealth(api huma.API, deps Deps) {
	huma.Register(api, huma.Operation{
		OperationID: "healthz",
		Method:      http.MethodGet,
		Path:        "/healthz",
		Summary:     "Liveness",
		Description: "Answers 200 while the process serves HTTP; it checks no dependency.",
		Tags:        []string{"health"},
	}, func(context.Context, *struct{}) (*healthOutput, error) {
		return &healthOutput{CacheControl: "no-store", Body: Health{Status: "ok"}}, nil
	})

	registry := api.OpenAPI().Components.Schemas
	huma.Register(api, huma.Operation{
		OperationID: "readyz",
		Method:      http.MethodGet,
		Path:        "/readyz",
		Summary:     "Readiness",
		Description: "Answers 200 when the event store answers a ping within the ready timeout, else 503.",
		Tags:        []string{"health"},
		Responses: map[string]*huma.Response{
			"503": withRetryAfter(problemResponse(registry, "The event store does not answer.")),
		},
	}, func(ctx context.Context, _ *struct{}) (*healthOutput, error) {
		ctx, cancel := context.WithTimeout(ctx, deps.ReadyTimeout)
		defer cancel()
		if err := deps.Store.Ping(ctx); err != nil {
			deps.Logger.WarnContext(ctx, "readiness check failed", "error", err.Error())
			return nil, unavailable(deps.RetryAfter, "the event store is not ready")
		}
		return &healthOutput{CacheControl: "no-store", Body: Health{Status: "ready"}}, nil
	})
}

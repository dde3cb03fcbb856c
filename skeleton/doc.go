// Package flightevents is the domain of the flight-status service: the Event
// type and its validation, the ports the adapters implement (EventStore,
// EventPublisher) and the error codes those ports return.
//
// It is not for technology: BigQuery, Pub/Sub, SQLite and HTTP live in their
// own packages (bigquery/, pubsub/, sqlitestore/, httpapi/) and depend on this
// package, never the other way round.
package flightevents

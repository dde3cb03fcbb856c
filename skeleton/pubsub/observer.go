package pubsub

import flightevents "${{ values.goModule }}"

// Observer is told what the Handler does with each message, for metrics.
// *metrics.Metrics implements it; every method must be safe for
// concurrent use and cheap (it runs on the message path).
type Observer interface {
	// MessageReceived is called once per message handed to Handle.
	MessageReceived()
	// BatchWritten is called after each successful store write of size
	// events, with what the store reported.
	BatchWritten(size int, res flightevents.WriteResult)
	// MessageDeadLettered is called once a poison message was accepted by
	// the dead-letter topic; reason is a ValidationError reason.
	MessageDeadLettered(reason string)
	// MessagesNacked is called with the number of messages just nacked.
	MessagesNacked(n int)
}

// nopObserver is the Observer of a HandlerConfig without one.
type nopObserver struct{}

func (nopObserver) MessageReceived()                           {}
func (nopObserver) BatchWritten(int, flightevents.WriteResult) {}
func (nopObserver) MessageDeadLettered(string)                 {}
func (nopObserver) MessagesNacked(int)                         {}

package workspace

// Outcome is what became of a tool call, of one WorkOS operation the pipeline considered, or of
// a decision on the console. It is the outcome label of the metrics (Hooks.ToolCall,
// Hooks.ToolDuration), the "outcome" field of the log lines and the outcome of the team's audit
// events. Outcomes lists every value; docs/configuration.md documents them for operators.
type Outcome string

// The outcomes. A tool call ends ok, error, denied, limited or confirmation_required; an
// operation may also end invalid, declined or refused; approved is a console decision only.
const (
	// OutcomeOK: done (an operation ran; a tool call answered).
	OutcomeOK Outcome = "ok"
	// OutcomeError: the operation failed (WorkOS answered an error or could not be reached;
	// a write may have changed something), or the tool call failed for another reason.
	OutcomeError Outcome = "error"
	// OutcomeDenied: the policy refused (MCP disabled for the team, no team, the environment,
	// the role, writes off, the team's sign-in environment, a credential field), or the person
	// denied an approval on the console.
	OutcomeDenied Outcome = "denied"
	// OutcomeInvalid: the arguments were wrong (bad parameters, the wrong tool for the
	// operation's class); nothing was sent.
	OutcomeInvalid Outcome = "invalid"
	// OutcomeLimited: the person's rate limit; nothing was sent.
	OutcomeLimited Outcome = "limited"
	// OutcomeConfirmationRequired: an irreversible operation waits for confirmation (a token
	// issued, an elicitation or an approval on the console asked for).
	OutcomeConfirmationRequired Outcome = "confirmation_required"
	// OutcomeDeclined: the person did not confirm (declined the elicitation, or denied the
	// approval the agent came back with); nothing was done.
	OutcomeDeclined Outcome = "declined"
	// OutcomeRefused: a confirmation that cannot be used (invalid, expired, used, another
	// person's, a changed target), an approval attempt refused on the console, or a write
	// refused because its audit event could not be kept (ErrRecordBacklog).
	OutcomeRefused Outcome = "refused"
	// OutcomeApproved: the person approved an irreversible operation on the console.
	OutcomeApproved Outcome = "approved"
)

// Outcomes is every Outcome, in the order above.
func Outcomes() []Outcome {
	return []Outcome{OutcomeOK, OutcomeError, OutcomeDenied, OutcomeInvalid, OutcomeLimited,
		OutcomeConfirmationRequired, OutcomeDeclined, OutcomeRefused, OutcomeApproved}
}

// RecordResult is what became of one team audit event, as Hooks.Record reports it (the result
// label of audit_records_total). RecordResults lists every value.
type RecordResult string

// The record results.
const (
	// RecordSent: accepted by the team's audit log at once.
	RecordSent RecordResult = "sent"
	// RecordQueued: stored in the durable queue after a failed send.
	RecordQueued RecordResult = "queued"
	// RecordDelivered: delivered from the durable queue.
	RecordDelivered RecordResult = "delivered"
	// RecordDropped: a background event lost (in-memory queue full, or its send failed with the
	// durable queue over half full).
	RecordDropped RecordResult = "dropped"
	// RecordLost: a write's event neither accepted nor stored (the log line holds it whole).
	RecordLost RecordResult = "lost"
	// RecordDiscarded: rejected by the audit log as invalid, or its team is gone: removed from
	// the queue.
	RecordDiscarded RecordResult = "discarded"
)

// RecordResults is every RecordResult, in the order above.
func RecordResults() []RecordResult {
	return []RecordResult{RecordSent, RecordQueued, RecordDelivered, RecordDropped, RecordLost, RecordDiscarded}
}

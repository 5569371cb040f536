package emulator

import (
	"net/http"
	"testing"
	"time"
)

// RFC 6238, appendix B: the SHA-1 secret "12345678901234567890" at T=59 gives 94287082, whose
// last six digits are the code.
func TestTOTPCodeMatchesRFC6238(t *testing.T) {
	code, err := totpCode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 59/30)
	if err != nil || code != "287082" {
		t.Fatalf("totpCode = %q, %v; want 287082", code, err)
	}
}

func TestAuthFactorChallengeAndVerify(t *testing.T) {
	te := newTestEmulator(t, Options{})
	alice := str(te.must(200, sk, "GET", "/user_management/users?email=alice@acme.test", nil).list(t)[0], "id")
	const secret = "JBSWY3DPEHPK3PXP"
	out := te.must(http.StatusCreated, sk, "POST", "/user_management/users/"+alice+"/auth_factors", map[string]any{"type": "totp", "totp_secret": secret}).json(t)
	f := out["authentication_factor"].(map[string]any)
	ch := out["authentication_challenge"].(map[string]any)
	if f["totp"].(map[string]any)["secret"] != secret {
		t.Fatalf("enrolment does not answer the imported secret: %v", f)
	}
	verify := func(code string) response {
		return te.do(sk, "POST", "/auth/challenges/"+str(ch, "id")+"/verify", map[string]any{"code": code})
	}
	for i := 0; i < maxChallengeAttempts; i++ {
		if r := verify("000000"); r.status != http.StatusCreated || r.json(t)["valid"] != false {
			t.Fatalf("wrong code %d: %d %s", i, r.status, r.body)
		}
	}
	if r := verify("000000"); r.status != http.StatusBadRequest || str(r.json(t), "code") != "one_time_code_too_many_attempts" {
		t.Fatalf("after %d wrong codes: %d %s", maxChallengeAttempts, r.status, r.body)
	}
	ch = te.must(http.StatusCreated, sk, "POST", "/auth/factors/"+str(f, "id")+"/challenge", nil).json(t)
	code, _ := totpCode(secret, time.Now().Unix()/30)
	if r := verify(code).json(t); r["valid"] != true {
		t.Fatalf("correct code: %v", r)
	}
	if r := verify(code); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("a verified challenge verified again: %d %s", r.status, r.body)
	}
	if evs := te.events("authentication.mfa_succeeded"); len(evs) != 1 {
		t.Fatalf("%d mfa_succeeded events, want 1", len(evs))
	}
	// Reads never show the secret; bad input is refused and creates nothing.
	got := te.must(200, sk, "GET", "/auth/factors/"+str(f, "id"), nil).json(t)
	if _, ok := got["totp"].(map[string]any)["secret"]; ok {
		t.Fatalf("a read shows the TOTP secret: %v", got)
	}
	before := te.count("/user_management/users/" + alice + "/auth_factors")
	te.must(http.StatusUnprocessableEntity, sk, "POST", "/auth/factors/enroll", map[string]any{"type": "sms", "phone_number": "555-0100"})
	te.must(http.StatusUnprocessableEntity, sk, "POST", "/auth/factors/enroll", map[string]any{"type": "totp", "user_id": alice})
	te.must(http.StatusUnprocessableEntity, sk, "POST", "/user_management/users/"+alice+"/auth_factors", map[string]any{"type": "totp", "totp_secret": "not base32!"})
	if after := te.count("/user_management/users/" + alice + "/auth_factors"); after != before {
		t.Fatalf("refused enrolments created factors: %d -> %d", before, after)
	}
	te.must(http.StatusNoContent, sk, "DELETE", "/auth/factors/"+str(f, "id"), nil)
	te.must(http.StatusNotFound, sk, "POST", "/auth/factors/"+str(f, "id")+"/challenge", nil)
}

// Deleting a user deletes its factors, consents, connected accounts and pending codes.
func TestDeletedUserLeavesNothingBehind(t *testing.T) {
	te := newTestEmulator(t, Options{})
	alice := str(te.must(200, sk, "GET", "/user_management/users?email=alice@acme.test", nil).list(t)[0], "id")
	factors := te.must(200, sk, "GET", "/user_management/users/"+alice+"/auth_factors", nil).list(t)
	if len(factors) == 0 {
		t.Fatal("the seed gives alice no factor")
	}
	te.must(http.StatusOK, sk, "DELETE", "/user_management/users/"+alice, nil)
	te.must(http.StatusNotFound, sk, "GET", "/auth/factors/"+str(factors[0], "id"), nil)
	if n := len(te.events("pipes.connected_account.disconnected")); n != 1 {
		t.Fatalf("%d disconnected events after deleting alice (one connected account), want 1", n)
	}
	if n := te.count("/organizations/" + str(te.must(200, sk, "GET", "/organizations/external_id/acme", nil).json(t), "id") + "/authorized_applications"); n != 0 {
		t.Fatalf("%d consents left in Acme after deleting alice", n)
	}
}

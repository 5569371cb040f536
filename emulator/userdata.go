package emulator

// forgetUser deletes what a deleted user leaves behind among MFA factors (and their
// challenges), application consents, connected accounts, email verifications and Radar
// challenges, as WorkOS does when a user is deleted.
func (t *tx) forgetUser(userID string) error {
	factors, err := filter(t, "auth_factor", "", func(f *storedFactor) bool { return f.UserID == userID })
	if err != nil {
		return err
	}
	for _, f := range factors {
		chs, err := filter(t, "auth_challenge", "", func(ch *storedChallenge) bool { return ch.FactorID == f.ID })
		if err != nil {
			return err
		}
		for _, ch := range chs {
			if err := t.remove("auth_challenge", ch.ID); err != nil {
				return err
			}
		}
		if err := t.remove("auth_factor", f.ID); err != nil {
			return err
		}
	}
	accounts, err := filter(t, "connected_account", "", func(a *storedAccount) bool { return a.UserID == userID })
	if err != nil {
		return err
	}
	for _, a := range accounts {
		if err := t.disconnect(a); err != nil {
			return err
		}
	}
	for _, typ := range []string{"authorized_application", "email_verification", "radar_challenge"} {
		owned, err := filter(t, typ, "", func(x *struct {
			ID     string `json:"id"`
			UserID string `json:"user_id"`
		}) bool {
			return x.UserID == userID
		})
		if err != nil {
			return err
		}
		for _, x := range owned {
			if err := t.remove(typ, x.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

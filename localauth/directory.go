package localauth

import (
	"context"
	"errors"
)

// Person is someone who can sign in.
type Person struct {
	ID        string `json:"id"`
	Email     string `json:"email"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
}

// Name is the person's display name, falling back to the email.
func (p Person) Name() string {
	switch {
	case p.FirstName != "" && p.LastName != "":
		return p.FirstName + " " + p.LastName
	case p.FirstName != "":
		return p.FirstName
	case p.LastName != "":
		return p.LastName
	}
	return p.Email
}

// Membership is a person's active membership of an organization, with the
// permissions of its role(s) resolved.
type Membership struct {
	ID               string   `json:"id"`
	OrganizationID   string   `json:"organization_id"`
	OrganizationName string   `json:"organization_name,omitempty"`
	Role             string   `json:"role,omitempty"`
	Roles            []string `json:"roles,omitempty"`
	Permissions      []string `json:"permissions,omitempty"`
}

// Directory is where the server finds people, their organizations and their
// passwords.
type Directory interface {
	// People lists everyone who may sign in (the dev sign-in page's list).
	People(ctx context.Context) ([]Person, error)
	// PersonByEmail finds a person by email (case-insensitive); ErrNotFound if none.
	PersonByEmail(ctx context.Context, email string) (Person, error)
	// PersonByID finds a person by user ID; ErrNotFound if none.
	PersonByID(ctx context.Context, id string) (Person, error)
	// Memberships lists the person's active memberships, with the role's permissions.
	Memberships(ctx context.Context, userID string) ([]Membership, error)
	// Authenticate checks an email and password; ErrBadCredentials if they don't match.
	Authenticate(ctx context.Context, email, password string) (Person, error)
}

var (
	// ErrNotFound means the directory has no such person.
	ErrNotFound = errors.New("localauth: not found")
	// ErrBadCredentials means the email and password don't match.
	ErrBadCredentials = errors.New("localauth: bad credentials")
)

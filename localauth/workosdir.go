package localauth

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/workos-mcp/workos-mcp/internal/memo"
	"github.com/workos-mcp/workos-mcp/workos"
)

// directoryTTL is how long WorkOSDirectory trusts an answer: long enough that
// sign-ins don't hammer the API, short enough that role changes show quickly.
const directoryTTL = 30 * time.Second

// DirectoryOption configures WorkOSDirectory.
type DirectoryOption func(*workosDirectory)

// WithClientSecret sets the client_secret of password sign-in
// (POST /user_management/authenticate): the environment's API key.
func WithClientSecret(secret string) DirectoryOption {
	return func(d *workosDirectory) { d.secret = secret }
}

// WithMaxPeople bounds the sign-in page's list (default 500).
func WithMaxPeople(n int) DirectoryOption {
	return func(d *workosDirectory) { d.maxPeople = n }
}

// WorkOSDirectory reads a WorkOS environment through the API (real or
// emulated): users, their active organization memberships, the roles'
// permissions, and password sign-in. Answers are cached briefly.
func WorkOSDirectory(c *workos.Client, clientID string, opts ...DirectoryOption) Directory {
	d := &workosDirectory{
		c: c, clientID: clientID, maxPeople: 500,
		people:  memo.New[string, []Person](memo.Options{TTL: directoryTTL, MaxEntries: 1}),
		persons: memo.New[string, Person](memo.Options{TTL: directoryTTL, MaxEntries: 10000}),
		members: memo.New[string, []Membership](memo.Options{TTL: directoryTTL, MaxEntries: 10000}),
		roles:   memo.New[string, map[string][]string](memo.Options{TTL: directoryTTL, MaxEntries: 1000}),
		orgs:    memo.New[string, string](memo.Options{TTL: 5 * time.Minute, MaxEntries: 1000}),
	}
	for _, o := range opts {
		o(d)
	}
	return d
}

type workosDirectory struct {
	c         *workos.Client
	clientID  string
	secret    string
	maxPeople int

	people  *memo.Cache[string, []Person]
	persons *memo.Cache[string, Person]
	members *memo.Cache[string, []Membership]
	roles   *memo.Cache[string, map[string][]string]
	orgs    *memo.Cache[string, string]
}

func personFromUser(u *workos.User) Person {
	return Person{ID: u.ID, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName}
}

func (d *workosDirectory) People(ctx context.Context) ([]Person, error) {
	return d.people.Get(ctx, "", func(ctx context.Context) ([]Person, error) {
		users, err := workos.ListAll[workos.User](ctx, d.c, "/user_management/users", url.Values{"order": {"asc"}}, d.maxPeople)
		if err != nil {
			return nil, err
		}
		out := make([]Person, 0, len(users))
		for i := range users {
			out = append(out, personFromUser(&users[i]))
		}
		return out, nil
	})
}

func (d *workosDirectory) PersonByEmail(ctx context.Context, email string) (Person, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return Person{}, ErrNotFound
	}
	return d.persons.Get(ctx, "email:"+email, func(ctx context.Context) (Person, error) {
		var l workos.List[workos.User]
		if _, err := d.c.Do(ctx, http.MethodGet, "/user_management/users", url.Values{"email": {email}, "limit": {"10"}}, nil, &l); err != nil {
			return Person{}, err
		}
		for i := range l.Data {
			if strings.EqualFold(l.Data[i].Email, email) {
				return personFromUser(&l.Data[i]), nil
			}
		}
		return Person{}, ErrNotFound
	})
}

func (d *workosDirectory) PersonByID(ctx context.Context, id string) (Person, error) {
	if id == "" {
		return Person{}, ErrNotFound
	}
	return d.persons.Get(ctx, "id:"+id, func(ctx context.Context) (Person, error) {
		u, err := d.c.GetUser(ctx, id)
		if errors.Is(err, workos.ErrNotFound) {
			return Person{}, ErrNotFound
		}
		if err != nil {
			return Person{}, err
		}
		return personFromUser(u), nil
	})
}

func (d *workosDirectory) Memberships(ctx context.Context, userID string) ([]Membership, error) {
	if userID == "" {
		return nil, nil
	}
	return d.members.Get(ctx, userID, func(ctx context.Context) ([]Membership, error) {
		ms, err := workos.ListAll[workos.OrganizationMembership](ctx, d.c, "/user_management/organization_memberships",
			url.Values{"user_id": {userID}, "statuses": {"active"}}, 100)
		if err != nil {
			return nil, err
		}
		out := make([]Membership, 0, len(ms))
		for _, m := range ms {
			if m.Status != "" && m.Status != "active" {
				continue
			}
			var roles []string
			for _, r := range m.Roles {
				if r.Slug != "" && !slices.Contains(roles, r.Slug) {
					roles = append(roles, r.Slug)
				}
			}
			role := m.Role.Slug
			if len(roles) == 0 && role != "" {
				roles = []string{role}
			}
			if role == "" && len(roles) > 0 {
				role = roles[0]
			}
			perms, err := d.permissions(ctx, m.OrganizationID, roles)
			if err != nil {
				return nil, err
			}
			name := m.OrganizationName
			if name == "" {
				name = d.orgName(ctx, m.OrganizationID)
			}
			out = append(out, Membership{ID: m.ID, OrganizationID: m.OrganizationID, OrganizationName: name, Role: role, Roles: roles, Permissions: perms})
		}
		return out, nil
	})
}

// permissions resolves role slugs through the organization's roles (which
// include the environment's), falling back to the environment's roles.
func (d *workosDirectory) permissions(ctx context.Context, orgID string, roles []string) ([]string, error) {
	perms := []string{}
	if len(roles) == 0 {
		return perms, nil
	}
	table, err := d.roles.Get(ctx, orgID, func(ctx context.Context) (map[string][]string, error) {
		var l struct {
			Data []struct {
				Slug        string   `json:"slug"`
				Permissions []string `json:"permissions"`
			} `json:"data"`
		}
		_, err := d.c.Do(ctx, http.MethodGet, "/authorization/organizations/"+url.PathEscape(orgID)+"/roles", nil, nil, &l)
		if err != nil {
			if _, err = d.c.Do(ctx, http.MethodGet, "/authorization/roles", nil, nil, &l); err != nil {
				return nil, err
			}
		}
		t := map[string][]string{}
		for _, r := range l.Data {
			t[r.Slug] = r.Permissions
		}
		return t, nil
	})
	if err != nil {
		return nil, err
	}
	for _, r := range roles {
		for _, p := range table[r] {
			if !slices.Contains(perms, p) {
				perms = append(perms, p)
			}
		}
	}
	return perms, nil
}

func (d *workosDirectory) orgName(ctx context.Context, orgID string) string {
	name, err := d.orgs.Get(ctx, orgID, func(ctx context.Context) (string, error) {
		o, err := d.c.GetOrganization(ctx, orgID)
		if err != nil {
			return "", err
		}
		return o.Name, nil
	})
	if err != nil {
		return ""
	}
	return name
}

// Authenticate is password sign-in through POST /user_management/authenticate.
func (d *workosDirectory) Authenticate(ctx context.Context, email, password string) (Person, error) {
	if email == "" || password == "" {
		return Person{}, ErrBadCredentials
	}
	body := map[string]string{"client_id": d.clientID, "grant_type": "password", "email": email, "password": password}
	if d.secret != "" {
		body["client_secret"] = d.secret
	}
	var out struct {
		User *workos.User `json:"user"`
	}
	resp, err := d.c.Do(ctx, http.MethodPost, "/user_management/authenticate", nil, body, &out)
	var apiErr *workos.Error
	if errors.As(err, &apiErr) && apiErr.StatusCode >= 400 && apiErr.StatusCode < 500 && apiErr.StatusCode != http.StatusTooManyRequests {
		// The password was right but WorkOS wants the person to pick an
		// organization; we do that ourselves.
		if apiErr.Code == "organization_selection_required" && resp != nil {
			var pending struct {
				User *workos.User `json:"user"`
			}
			if json.Unmarshal(resp.Body, &pending) == nil && pending.User != nil && pending.User.ID != "" {
				return personFromUser(pending.User), nil
			}
		}
		return Person{}, ErrBadCredentials
	}
	if err != nil {
		return Person{}, err
	}
	if out.User == nil || out.User.ID == "" {
		return Person{}, errors.New("localauth: authenticate answered without a user")
	}
	return personFromUser(out.User), nil
}

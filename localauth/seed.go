package localauth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
)

// SeedFile is the JSON format SeedDirectory reads.
//
//	{
//	  "organizations": [{"id": "org_1", "name": "Acme"}],
//	  "roles": [{"slug": "admin", "permissions": ["widgets:manage"]}],
//	  "people": [{"id": "user_1", "email": "admin@example.com", "first_name": "Ada",
//	              "password": "…", "memberships": [{"organization_id": "org_1", "role": "admin"}]}]
//	}
type SeedFile struct {
	Organizations []SeedOrganization `json:"organizations"`
	Roles         []SeedRole         `json:"roles"`
	People        []SeedPerson       `json:"people"`
}

// SeedOrganization is an organization of a SeedFile.
type SeedOrganization struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// SeedRole is a role and its permissions.
type SeedRole struct {
	Slug        string   `json:"slug"`
	Permissions []string `json:"permissions"`
}

// SeedPerson is a person, their password and their memberships.
type SeedPerson struct {
	Person
	Password    string           `json:"password"`
	Memberships []SeedMembership `json:"memberships"`
}

// SeedMembership is one organization membership of a SeedPerson.
type SeedMembership struct {
	ID             string   `json:"id"`
	OrganizationID string   `json:"organization_id"`
	Role           string   `json:"role"`
	Roles          []string `json:"roles"`
}

// SeedDirectory reads a Directory from a JSON seed file (see SeedFile).
func SeedDirectory(path string) (Directory, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("localauth: read seed: %w", err)
	}
	var f SeedFile
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("localauth: seed %s: %w", path, err)
	}
	return NewStaticDirectory(f)
}

// NewStaticDirectory is a Directory held in memory, from a SeedFile value.
func NewStaticDirectory(f SeedFile) (Directory, error) {
	d := &staticDirectory{orgs: map[string]string{}, roles: map[string][]string{}, byID: map[string]*SeedPerson{}, byEmail: map[string]*SeedPerson{}}
	for _, o := range f.Organizations {
		if o.ID == "" {
			return nil, fmt.Errorf("localauth: seed: an organization has no id")
		}
		d.orgs[o.ID] = o.Name
	}
	for _, r := range f.Roles {
		d.roles[r.Slug] = r.Permissions
	}
	for i := range f.People {
		p := &f.People[i]
		if p.ID == "" || p.Email == "" {
			return nil, fmt.Errorf("localauth: seed: person %d needs an id and an email", i)
		}
		key := strings.ToLower(p.Email)
		if d.byID[p.ID] != nil || d.byEmail[key] != nil {
			return nil, fmt.Errorf("localauth: seed: person %s (%s) is listed twice", p.ID, p.Email)
		}
		for j, m := range p.Memberships {
			if _, ok := d.orgs[m.OrganizationID]; !ok {
				return nil, fmt.Errorf("localauth: seed: %s is a member of unknown organization %q", p.Email, m.OrganizationID)
			}
			if m.ID == "" {
				p.Memberships[j].ID = fmt.Sprintf("om_%s_%d", p.ID, j)
			}
		}
		d.byID[p.ID] = p
		d.byEmail[key] = p
		d.order = append(d.order, p)
	}
	return d, nil
}

type staticDirectory struct {
	orgs    map[string]string
	roles   map[string][]string
	byID    map[string]*SeedPerson
	byEmail map[string]*SeedPerson
	order   []*SeedPerson
}

func (d *staticDirectory) People(context.Context) ([]Person, error) {
	out := make([]Person, 0, len(d.order))
	for _, p := range d.order {
		out = append(out, p.Person)
	}
	return out, nil
}

func (d *staticDirectory) PersonByEmail(_ context.Context, email string) (Person, error) {
	if p := d.byEmail[strings.ToLower(strings.TrimSpace(email))]; p != nil {
		return p.Person, nil
	}
	return Person{}, ErrNotFound
}

func (d *staticDirectory) PersonByID(_ context.Context, id string) (Person, error) {
	if p := d.byID[id]; p != nil {
		return p.Person, nil
	}
	return Person{}, ErrNotFound
}

func (d *staticDirectory) Memberships(_ context.Context, userID string) ([]Membership, error) {
	p := d.byID[userID]
	if p == nil {
		return nil, nil
	}
	var out []Membership
	for _, m := range p.Memberships {
		roles := m.Roles
		if len(roles) == 0 && m.Role != "" {
			roles = []string{m.Role}
		}
		role := m.Role
		if role == "" && len(roles) > 0 {
			role = roles[0]
		}
		out = append(out, Membership{
			ID: m.ID, OrganizationID: m.OrganizationID, OrganizationName: d.orgs[m.OrganizationID],
			Role: role, Roles: roles, Permissions: d.permissions(roles),
		})
	}
	return out, nil
}

func (d *staticDirectory) permissions(roles []string) []string {
	perms := []string{}
	for _, r := range roles {
		for _, p := range d.roles[r] {
			if !slices.Contains(perms, p) {
				perms = append(perms, p)
			}
		}
	}
	return perms
}

func (d *staticDirectory) Authenticate(_ context.Context, email, password string) (Person, error) {
	p := d.byEmail[strings.ToLower(strings.TrimSpace(email))]
	if p == nil || p.Password == "" {
		return Person{}, ErrBadCredentials
	}
	a, b := sha256.Sum256([]byte(password)), sha256.Sum256([]byte(p.Password))
	if subtle.ConstantTimeCompare(a[:], b[:]) != 1 {
		return Person{}, ErrBadCredentials
	}
	return p.Person, nil
}

package emulator

import (
	"errors"
	"net/http"
	"strings"
)

type connectionDomain struct {
	ID     string `json:"id"`
	Object string `json:"object"`
	Domain string `json:"domain"`
}

type connection struct {
	Object         string             `json:"object"`
	ID             string             `json:"id"`
	OrganizationID string             `json:"organization_id,omitempty"`
	ConnectionType string             `json:"connection_type"`
	Name           string             `json:"name"`
	State          string             `json:"state"`
	Status         string             `json:"status"`
	Domains        []connectionDomain `json:"domains"`
	CreatedAt      string             `json:"created_at"`
	UpdatedAt      string             `json:"updated_at"`
}

// eventData adds what connection events carry beyond the connection itself.
func (cn *connection) eventData() map[string]any {
	return map[string]any{"object": cn.Object, "id": cn.ID, "organization_id": cn.OrganizationID, "connection_type": cn.ConnectionType,
		"name": cn.Name, "state": cn.State, "status": cn.Status, "domains": cn.Domains, "external_key": strings.ToLower(cn.ID[len(cn.ID)-10:]),
		"created_at": cn.CreatedAt, "updated_at": cn.UpdatedAt}
}

type connectionInput struct {
	ID, ConnectionType, Name, State string
	Domains                         []string
}

func (t *tx) createConnection(orgID string, in connectionInput) (*connection, error) {
	if in.ConnectionType == "" {
		in.ConnectionType = "GenericSAML"
	}
	if in.State == "" {
		in.State = "active"
	}
	cn := &connection{Object: "connection", ID: in.ID, OrganizationID: orgID, ConnectionType: in.ConnectionType, Name: in.Name, State: in.State,
		Status: "linked", Domains: []connectionDomain{}, CreatedAt: formatTime(t.now), UpdatedAt: formatTime(t.now)}
	if cn.ID == "" {
		cn.ID = t.newID("conn_")
	}
	if cn.State != "active" {
		cn.Status = "unlinked"
	}
	ods, err := loadAll[orgDomain](t, "organization_domain", orgID)
	if err != nil {
		return nil, err
	}
	for _, d := range ods {
		if len(in.Domains) == 0 || containsFold(in.Domains, d.Domain) {
			cn.Domains = append(cn.Domains, connectionDomain{ID: d.ID, Object: "connection_domain", Domain: d.Domain})
		}
	}
	if err := t.save("connection", cn.ID, orgID, cn); err != nil {
		return nil, err
	}
	if cn.State == "active" {
		return cn, t.emit("connection.activated", orgID, cn.eventData())
	}
	return cn, nil
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

func (t *tx) connection(id string) (*connection, error) {
	cn, err := loadFound[connection](t, "connection", "Connection", id)
	return cn, err
}

func (t *tx) deleteConnection(cn *connection) error {
	if err := t.remove("connection", cn.ID); err != nil {
		return err
	}
	return t.emit("connection.deleted", cn.OrganizationID, cn.eventData())
}

func listConnections(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	typ, domain, search := c.query.Get("connection_type"), strings.ToLower(c.query.Get("domain")), strings.ToLower(c.query.Get("search"))
	cs, err := filter(c.t, "connection", c.query.Get("organization_id"), func(cn *connection) bool {
		if typ != "" && !strings.EqualFold(cn.ConnectionType, typ) {
			return false
		}
		if search != "" && !strings.Contains(strings.ToLower(cn.Name), search) {
			return false
		}
		if domain != "" {
			for _, d := range cn.Domains {
				if d.Domain == domain {
					return true
				}
			}
			return false
		}
		return true
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, paginate(cs, func(cn *connection) string { return cn.ID }, p), nil
}

func getConnection(c *call) (int, any, error) {
	cn, err := c.t.connection(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, cn, nil
}

func deleteConnectionHandler(c *call) (int, any, error) {
	cn, err := c.t.connection(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, c.t.deleteConnection(cn)
}

// Directories.

type directoryMetadata struct {
	Users struct {
		Active   int `json:"active"`
		Inactive int `json:"inactive"`
	} `json:"users"`
	Groups int `json:"groups"`
}

type directory struct {
	Object         string             `json:"object"`
	ID             string             `json:"id"`
	OrganizationID string             `json:"organization_id"`
	ExternalKey    string             `json:"external_key"`
	Type           string             `json:"type"`
	State          string             `json:"state"`
	Name           string             `json:"name"`
	Domain         string             `json:"domain,omitempty"`
	Metadata       *directoryMetadata `json:"metadata,omitempty"`
	CreatedAt      string             `json:"created_at"`
	UpdatedAt      string             `json:"updated_at"`
}

func (d *directory) eventData() map[string]any {
	domains := []map[string]any{}
	if d.Domain != "" {
		domains = append(domains, map[string]any{"object": "organization_domain", "id": "org_domain_" + d.ID[len("directory_"):], "domain": d.Domain})
	}
	return map[string]any{"object": d.Object, "id": d.ID, "organization_id": d.OrganizationID, "external_key": d.ExternalKey, "type": d.Type,
		"state": dsyncState(d.State), "name": d.Name, "domains": domains, "created_at": d.CreatedAt, "updated_at": d.UpdatedAt}
}

type directoryGroup struct {
	Object         string         `json:"object"`
	ID             string         `json:"id"`
	IdpID          string         `json:"idp_id"`
	DirectoryID    string         `json:"directory_id"`
	OrganizationID string         `json:"organization_id"`
	Name           string         `json:"name"`
	RawAttributes  map[string]any `json:"raw_attributes"`
	CreatedAt      string         `json:"created_at"`
	UpdatedAt      string         `json:"updated_at"`
}

type directoryEmail struct {
	Primary bool    `json:"primary"`
	Type    string  `json:"type"`
	Value   *string `json:"value"`
}

type directoryUser struct {
	Object           string            `json:"object"`
	ID               string            `json:"id"`
	DirectoryID      string            `json:"directory_id"`
	OrganizationID   string            `json:"organization_id"`
	IdpID            string            `json:"idp_id"`
	Email            *string           `json:"email"`
	FirstName        *string           `json:"first_name"`
	LastName         *string           `json:"last_name"`
	Emails           []directoryEmail  `json:"emails"`
	JobTitle         *string           `json:"job_title"`
	Username         *string           `json:"username"`
	State            string            `json:"state"`
	RawAttributes    map[string]any    `json:"raw_attributes"`
	CustomAttributes map[string]any    `json:"custom_attributes"`
	Role             *roleSlug         `json:"role,omitempty"`
	Groups           []*directoryGroup `json:"groups"`
	GroupIDs         []string          `json:"group_ids,omitempty"`
	CreatedAt        string            `json:"created_at"`
	UpdatedAt        string            `json:"updated_at"`
}

// render fills the user's groups (stored as IDs) for output.
func (t *tx) renderDirectoryUser(u *directoryUser) (*directoryUser, error) {
	u.Groups = []*directoryGroup{}
	for _, gid := range u.GroupIDs {
		g, err := load[directoryGroup](t, "directory_group", gid)
		if errors.Is(err, errNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		u.Groups = append(u.Groups, g)
	}
	u.GroupIDs = nil
	if u.RawAttributes == nil {
		u.RawAttributes = map[string]any{}
	}
	if u.CustomAttributes == nil {
		u.CustomAttributes = map[string]any{}
	}
	return u, nil
}

func (t *tx) directory(id string) (*directory, error) {
	d, err := loadFound[directory](t, "directory", "Directory", id)
	if err != nil {
		return nil, err
	}
	return t.renderDirectory(d)
}

func (t *tx) renderDirectory(d *directory) (*directory, error) {
	us, err := filter(t, "directory_user", d.OrganizationID, func(u *directoryUser) bool { return u.DirectoryID == d.ID })
	if err != nil {
		return nil, err
	}
	gs, err := filter(t, "directory_group", d.OrganizationID, func(g *directoryGroup) bool { return g.DirectoryID == d.ID })
	if err != nil {
		return nil, err
	}
	md := &directoryMetadata{Groups: len(gs)}
	for _, u := range us {
		if u.State == "active" {
			md.Users.Active++
		} else {
			md.Users.Inactive++
		}
	}
	d.Metadata = md
	return d, nil
}

func (t *tx) deleteDirectory(d *directory) error {
	us, err := filter(t, "directory_user", d.OrganizationID, func(u *directoryUser) bool { return u.DirectoryID == d.ID })
	if err != nil {
		return err
	}
	for _, u := range us {
		if err := t.remove("directory_user", u.ID); err != nil {
			return err
		}
	}
	gs, err := filter(t, "directory_group", d.OrganizationID, func(g *directoryGroup) bool { return g.DirectoryID == d.ID })
	if err != nil {
		return err
	}
	for _, g := range gs {
		if err := t.remove("directory_group", g.ID); err != nil {
			return err
		}
	}
	if err := t.remove("directory", d.ID); err != nil {
		return err
	}
	data := d.eventData()
	delete(data, "domains")
	delete(data, "external_key")
	return t.emit("dsync.deleted", d.OrganizationID, data)
}

type directoryInput struct {
	ID, Name, Type, State, Domain string
	Groups                        []directoryGroupInput
	Users                         []directoryUserInput
}

type directoryGroupInput struct{ Name string }

type directoryUserInput struct {
	Email, FirstName, LastName, JobTitle, State string
	Groups                                      []string
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (t *tx) createDirectory(orgID string, in directoryInput) (*directory, error) {
	if in.Type == "" {
		in.Type = "generic scim v2.0"
	}
	if in.State == "" {
		in.State = "linked"
	}
	d := &directory{Object: "directory", ID: in.ID, OrganizationID: orgID, Type: in.Type, State: in.State, Name: in.Name, Domain: in.Domain,
		CreatedAt: formatTime(t.now), UpdatedAt: formatTime(t.now)}
	if d.ID == "" {
		d.ID = t.newID("directory_")
	}
	d.ExternalKey = randomToken(16)
	if err := t.save("directory", d.ID, orgID, d); err != nil {
		return nil, err
	}
	if d.State == "linked" {
		if err := t.emit("dsync.activated", orgID, d.eventData()); err != nil {
			return nil, err
		}
	}
	groups := map[string]*directoryGroup{}
	for i, g := range in.Groups {
		dg := &directoryGroup{Object: "directory_group", ID: t.newID("directory_group_"), IdpID: "grp-" + itoa(i+1), DirectoryID: d.ID, OrganizationID: orgID,
			Name: g.Name, RawAttributes: map[string]any{}, CreatedAt: formatTime(t.now), UpdatedAt: formatTime(t.now)}
		groups[g.Name] = dg
		if err := t.save("directory_group", dg.ID, orgID, dg); err != nil {
			return nil, err
		}
		if err := t.emit("dsync.group.created", orgID, dg); err != nil {
			return nil, err
		}
	}
	for i, u := range in.Users {
		st := u.State
		if st == "" {
			st = "active"
		}
		email := strings.ToLower(u.Email)
		du := &directoryUser{Object: "directory_user", ID: t.newID("directory_user_"), DirectoryID: d.ID, OrganizationID: orgID, IdpID: "usr-" + itoa(i+1),
			Email: strPtr(email), FirstName: strPtr(u.FirstName), LastName: strPtr(u.LastName), JobTitle: strPtr(u.JobTitle),
			Emails: []directoryEmail{{Primary: true, Type: "work", Value: strPtr(email)}}, Username: strPtr(email), State: st,
			RawAttributes: map[string]any{}, CustomAttributes: map[string]any{}, CreatedAt: formatTime(t.now), UpdatedAt: formatTime(t.now)}
		for _, gname := range u.Groups {
			if g, ok := groups[gname]; ok {
				du.GroupIDs = append(du.GroupIDs, g.ID)
			}
		}
		if err := t.save("directory_user", du.ID, orgID, du); err != nil {
			return nil, err
		}
		cp := *du
		if _, err := t.renderDirectoryUser(&cp); err != nil {
			return nil, err
		}
		if err := t.emit("dsync.user.created", orgID, &cp); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

func listDirectories(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	domain, search := strings.ToLower(c.query.Get("domain")), strings.ToLower(c.query.Get("search"))
	ds, err := filter(c.t, "directory", c.query.Get("organization_id"), func(d *directory) bool {
		return (domain == "" || d.Domain == domain) && (search == "" || strings.Contains(strings.ToLower(d.Name), search))
	})
	if err != nil {
		return 0, nil, err
	}
	for _, d := range ds {
		if _, err := c.t.renderDirectory(d); err != nil {
			return 0, nil, err
		}
	}
	return http.StatusOK, paginate(ds, func(d *directory) string { return d.ID }, p), nil
}

func getDirectory(c *call) (int, any, error) {
	d, err := c.t.directory(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, d, nil
}

func deleteDirectoryHandler(c *call) (int, any, error) {
	d, err := c.t.directory(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, nil, c.t.deleteDirectory(d)
}

func listDirectoryUsers(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	dir, group := c.query.Get("directory"), c.query.Get("group")
	if dir == "" && group == "" {
		return 0, nil, invalidField("directory", "directory_or_group_required", "Either directory or group is required.")
	}
	if dir != "" {
		if _, err := c.t.directory(dir); err != nil {
			return 0, nil, err
		}
	}
	idp, email := c.query.Get("idp_id"), strings.ToLower(c.query.Get("email"))
	us, err := filter(c.t, "directory_user", "", func(u *directoryUser) bool {
		if dir != "" && u.DirectoryID != dir {
			return false
		}
		if group != "" && !containsFold(u.GroupIDs, group) {
			return false
		}
		return (idp == "" || u.IdpID == idp) && (email == "" || (u.Email != nil && *u.Email == email))
	})
	if err != nil {
		return 0, nil, err
	}
	out := paginate(us, func(u *directoryUser) string { return u.ID }, p)
	for _, u := range out.Data.([]*directoryUser) {
		if _, err := c.t.renderDirectoryUser(u); err != nil {
			return 0, nil, err
		}
	}
	return http.StatusOK, out, nil
}

func getDirectoryUser(c *call) (int, any, error) {
	id := c.param("id")
	u, err := loadFound[directoryUser](c.t, "directory_user", "Directory user", id)
	if err != nil {
		return 0, nil, err
	}
	u, err = c.t.renderDirectoryUser(u)
	return http.StatusOK, u, err
}

func listDirectoryGroups(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	dir, userID := c.query.Get("directory"), c.query.Get("user")
	if dir == "" && userID == "" {
		return 0, nil, invalidField("directory", "directory_or_user_required", "Either directory or user is required.")
	}
	var only map[string]bool
	if userID != "" {
		u, err := loadFound[directoryUser](c.t, "directory_user", "Directory user", userID)
		if err != nil {
			return 0, nil, err
		}
		only = map[string]bool{}
		for _, g := range u.GroupIDs {
			only[g] = true
		}
	}
	if dir != "" {
		if _, err := c.t.directory(dir); err != nil {
			return 0, nil, err
		}
	}
	gs, err := filter(c.t, "directory_group", "", func(g *directoryGroup) bool {
		return (dir == "" || g.DirectoryID == dir) && (only == nil || only[g.ID])
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, paginate(gs, func(g *directoryGroup) string { return g.ID }, p), nil
}

func getDirectoryGroup(c *call) (int, any, error) {
	id := c.param("id")
	g, err := loadFound[directoryGroup](c.t, "directory_group", "Directory group", id)
	return http.StatusOK, g, err
}

// dsyncState is a directory's state as dsync events name it.
func dsyncState(s string) string {
	switch s {
	case "linked":
		return "active"
	case "unlinked":
		return "inactive"
	}
	return s
}

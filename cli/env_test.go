package cli

import (
	"reflect"
	"testing"
)

// Every function of the real environment must be set: a nil one panics
// only in production, where the tests' own environments are not used
// (a nil VMStop once made every VM unit's ExecStop crash).
func TestDefaultEnvIsComplete(t *testing.T) {
	v := reflect.ValueOf(DefaultEnv()).Elem()
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		if f.Kind() == reflect.Func && f.IsNil() {
			t.Errorf("DefaultEnv().%s is nil", v.Type().Field(i).Name)
		}
	}
}

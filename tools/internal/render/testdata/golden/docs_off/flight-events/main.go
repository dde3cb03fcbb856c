// Command flight-events is rendered from the fixture skeleton.
package main

import "fmt"

func main() {
	fmt.Println("github.com/acme/flight-events")
}

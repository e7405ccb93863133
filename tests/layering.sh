#!/usr/bin/env bash
# Fails when a folder includes a layer above it (architecture.md, "The folders"):
# domain/ and the value-type headers of messages/ never include CAF, Beast/Asio, SQL or JSON;
# actors/ never parse JSON or speak SQL.
set -u
root=${1:?usage: layering.sh PROJECT_ROOT}
cd "$root" || exit 2
status=0
check() { # folder-glob pattern why
  local files=$1 pattern=$2 why=$3 hits
  hits=$(grep -nP "$pattern" $files 2>/dev/null)
  if [ -n "$hits" ]; then
    echo "layering violation: $why"
    echo "$hits"
    status=1
  fi
}
value_headers=$(ls messages/*.hpp | grep -v -e type_ids.hpp -e actors.hpp)
check "domain/*.hpp domain/*.cpp" '#include *[<"](caf/|boost/|sqlite3|pqxx|rapidjson/|spdlog/|(actors|persistence|gateways|config|sim|apps)/)' \
  "domain/ includes CAF, Beast, SQL, JSON, logging or a higher layer"
check "$value_headers" '#include *[<"](caf/|boost/|sqlite3|pqxx|rapidjson/|(domain|actors|persistence|gateways|config|sim|apps)/)' \
  "a value-type header of messages/ includes CAF or a higher layer"
check "actors/*.hpp actors/*.cpp actors/*/*.hpp actors/*/*.cpp" '#include *[<"](sqlite3|pqxx|boost/beast|boost/asio|(persistence|gateways|sim|apps|runtime)/)' \
  "actors/ includes SQL, Beast or a gateway"
# Actors write JSON columns through RapidJSON's writer in one header; they never parse JSON.
check "$(ls actors/*.*pp actors/*/*.*pp | grep -v -e actors/internal/json_writer.hpp)" \
  '#include *[<"]rapidjson/' "actors/ uses RapidJSON outside actors/internal/json_writer.hpp"
check "actors/internal/json_writer.hpp" '#include *[<"]rapidjson/(?!writer\.h|stringbuffer\.h)' \
  "actors/ parse JSON (only RapidJSON's writer is theirs)"
check "persistence/*.hpp persistence/*.cpp" '#include *[<"](boost/beast|boost/asio|(actors|gateways|sim|apps|runtime)/)' \
  "persistence/ includes Beast or a higher layer"
# persistence/ uses messages/, not the rules. The one exception: domain/clock.hpp, the one
# text form of an instant (format_utc), which every timestamp column is written in.
check "persistence/*.hpp persistence/*.cpp" '#include *[<"]domain/(?!clock\.hpp)' \
  "persistence/ includes a rule of domain/ (only domain/clock.hpp's time text is shared)"
# An actor's internal headers (its state, shared by its files) belong to actors/.
check "$(ls messages/*.hpp persistence/*.*pp gateways/*/*.*pp config/*.*pp sim/*.*pp apps/*/*.*pp runtime/*.*pp bench/*/*.cpp 2>/dev/null)" \
  '#include *[<"]actors/(internal|strategy_run)/' "an actor's internal header is included outside actors/"
# The one exception: the codec of a JSON column whose typed form the loaders hand on
# (strategy_runs.trailing_state), in its own file.
check "$(ls persistence/*.hpp persistence/*.cpp | grep -v -e persistence/json_columns.cpp)" \
  '#include *[<"]rapidjson/' "persistence/ parses JSON outside its column codec"
check "gateways/*/*.hpp gateways/*/*.cpp" '#include *[<"](sqlite3|pqxx|(domain|actors|persistence|sim|apps)/)' \
  "gateways/ decides nothing: it includes no rules, actors, SQL or higher layers"
# How we write code: no raw new/delete (owners are std::unique_ptr / make_unique, actors spawn).
check "$(ls messages/*.hpp domain/*.*pp actors/*.*pp actors/*/*.*pp persistence/*.*pp gateways/*/*.*pp config/*.*pp sim/*.*pp runtime/*.*pp apps/*/*.*pp 2>/dev/null)" \
  '^(?!\s*//).*((=|\(|\{|return|,)\s*new\s+[A-Za-z_:<>]+\s*[({]|\bdelete\s+[A-Za-z_]|\bdelete\[\])' "raw new or delete"
if [ "$status" = 0 ]; then echo "layering: ok"; fi
exit $status
